/// Every mismatch of one dataset, attributed (SPEC 8.2): a count and the first examples per
/// cause, the count per group, and the count per band of rows for the report's strip.
///
/// Tallies of disjoint index ranges merge in index order, so the examples are the first ones
/// by index whatever the number of threads.
struct MismatchTally: Sendable {
    /// Examples kept per cause.
    static let exampleLimit = 5
    /// The name under which mismatches with no recognised cause are counted.
    static let unexplained = "unexplained"

    private(set) var counts: [String: Int] = [:]
    /// Flat indices, ascending, at most `exampleLimit` per cause.
    private(set) var examples: [String: [Int]] = [:]
    /// The order causes were first seen in (by index), for a deterministic tie order.
    private(set) var order: [String] = []
    /// `groups + 1` entries (the last: rows outside every group), or empty when the dataset
    /// has no groups.
    private(set) var byGroup: [Int]
    private(set) var rowBands: [Int]
    let rowsPerBand: Int
    let rows: Int

    init(groups: Int?, rows: Int, bands: Int = 256) {
        self.rows = rows
        byGroup = groups.map { [Int](repeating: 0, count: $0 + 1) } ?? []
        rowsPerBand = max(1, (rows + bands - 1) / max(bands, 1))
        rowBands = [Int](repeating: 0, count: rows == 0 ? 0 : (rows + rowsPerBand - 1) / rowsPerBand)
    }

    var total: Int { counts.values.reduce(0, +) }

    /// Counts one mismatch: flat `index`, its cause (nil: unexplained), its group (nil: outside
    /// every group) and its row in the strip. Returns whether it was kept as an example.
    @discardableResult
    mutating func add(index: Int, cause: String?, group: Int?, row: Int) -> Bool {
        let c = cause ?? Self.unexplained
        if counts[c] == nil { order.append(c); counts[c] = 0; examples[c] = [] }
        counts[c]! += 1
        if !byGroup.isEmpty { byGroup[group ?? byGroup.count - 1] += 1 }
        if row >= 0 && row / rowsPerBand < rowBands.count { rowBands[row / rowsPerBand] += 1 }
        guard examples[c]!.count < Self.exampleLimit else { return false }
        examples[c]!.append(index)
        return true
    }

    /// Appends a tally of indices that all come after this one's.
    mutating func append(_ other: MismatchTally) {
        for c in other.order {
            if counts[c] == nil { order.append(c); counts[c] = 0; examples[c] = [] }
            counts[c]! += other.counts[c]!
            let room = Self.exampleLimit - examples[c]!.count
            if room > 0 { examples[c]! += other.examples[c]!.prefix(room) }
        }
        for i in byGroup.indices { byGroup[i] += other.byGroup[i] }
        for i in rowBands.indices { rowBands[i] += other.rowBands[i] }
    }

    /// Causes by count, largest first (ties: first seen first), `unexplained` among them.
    var ranked: [(cause: String, count: Int, examples: [Int])] {
        order.enumerated()
            .sorted { (counts[$0.element]!, -$0.offset) > (counts[$1.element]!, -$1.offset) }
            .map { ($0.element, counts[$0.element]!, examples[$0.element]!) }
    }

    /// The first mismatching index overall.
    var firstIndex: Int? { examples.values.compactMap(\.first).min() }
}

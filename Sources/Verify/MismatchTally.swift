/// Every mismatch of one dataset, attributed (SPEC 8.2): a count and the first examples per
/// cause, the count per group, and the count per band of rows for the report's strip.
///
/// Causes are held as small integers into `names` (hot loops count tens of millions of
/// mismatches); tallies of disjoint index ranges merge in index order, so the examples are the
/// first ones by index whatever the number of threads.
struct MismatchTally: Sendable {
    /// Examples kept per cause.
    static let exampleLimit = 5
    /// The name under which mismatches with no recognised cause are counted.
    static let unexplained = "unexplained"

    /// Cause names; id 0 is `unexplained`.
    private(set) var names: [String]
    private var ids: [String: Int]
    private(set) var countByID: [Int]
    /// Flat indices, ascending, at most `exampleLimit` per cause.
    private(set) var examplesByID: [[Int]]
    /// Per cause: the position of its first mismatch in the order seen (for a stable tie order).
    private(set) var firstSeen: [Int]
    private var seen = 0
    /// `groups + 1` entries (the last: rows outside every group), or empty when the dataset
    /// has no groups.
    private(set) var byGroup: [Int]
    private(set) var rowBands: [Int]
    let rowsPerBand: Int
    let rows: Int

    /// `names`: causes registered up front (their ids are 1, 2, ... in this order).
    init(groups: Int?, rows: Int, bands: Int = 256, names: [String] = []) {
        self.rows = rows
        self.names = [Self.unexplained]
        ids = [Self.unexplained: 0]
        countByID = [0]
        examplesByID = [[]]
        firstSeen = [Int.max]
        byGroup = groups.map { [Int](repeating: 0, count: $0 + 1) } ?? []
        rowsPerBand = max(1, (rows + bands - 1) / max(bands, 1))
        rowBands = [Int](repeating: 0, count: rows == 0 ? 0 : (rows + rowsPerBand - 1) / rowsPerBand)
        for n in names { _ = id(of: n) }
    }

    /// The id of a cause name, registering it when new.
    mutating func id(of name: String) -> Int {
        if let i = ids[name] { return i }
        ids[name] = names.count
        names.append(name)
        countByID.append(0)
        examplesByID.append([])
        firstSeen.append(Int.max)
        return names.count - 1
    }

    var total: Int { countByID.reduce(0, +) }

    /// Counts one mismatch: flat `index`, its cause id, its group (nil: outside every group)
    /// and its row in the strip (-1: none). Returns whether it was kept as an example.
    @discardableResult @inline(__always)
    mutating func add(index: Int, causeID c: Int, group: Int?, row: Int) -> Bool {
        if countByID[c] == 0 { firstSeen[c] = seen }
        seen += 1
        countByID[c] += 1
        if !byGroup.isEmpty { byGroup[group ?? byGroup.count - 1] += 1 }
        if row >= 0 && row / rowsPerBand < rowBands.count { rowBands[row / rowsPerBand] += 1 }
        guard examplesByID[c].count < Self.exampleLimit else { return false }
        examplesByID[c].append(index)
        return true
    }

    /// `add` with the cause as text (nil: unexplained).
    @discardableResult
    mutating func add(index: Int, cause: String?, group: Int?, row: Int) -> Bool {
        add(index: index, causeID: cause.map { id(of: $0) } ?? 0, group: group, row: row)
    }

    /// Appends a tally of indices that all come after this one's.
    mutating func append(_ other: MismatchTally) {
        for (o, name) in other.names.enumerated() where other.countByID[o] > 0 {
            let c = id(of: name)
            if countByID[c] == 0 { firstSeen[c] = seen + other.firstSeen[o] }
            countByID[c] += other.countByID[o]
            let room = Self.exampleLimit - examplesByID[c].count
            if room > 0 { examplesByID[c] += other.examplesByID[o].prefix(room) }
        }
        seen += other.seen
        for i in byGroup.indices { byGroup[i] += other.byGroup[i] }
        for i in rowBands.indices { rowBands[i] += other.rowBands[i] }
    }

    /// The count of a cause by name (0 when absent).
    func count(_ name: String) -> Int { ids[name].map { countByID[$0] } ?? 0 }

    /// Causes by count, largest first (ties: first seen first), `unexplained` among them.
    var ranked: [(cause: String, count: Int, examples: [Int])] {
        names.indices.filter { countByID[$0] > 0 }
            .sorted { (countByID[$0], -firstSeen[$0]) > (countByID[$1], -firstSeen[$1]) }
            .map { (names[$0], countByID[$0], examplesByID[$0]) }
    }

    /// The first mismatching index overall.
    var firstIndex: Int? { examplesByID.compactMap(\.first).min() }
}

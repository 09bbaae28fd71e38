/// The error metrics of one tensor against its fp64 ideal: over the whole tensor, per group
/// (expert), and per row (token) as a distribution of row SQNRs.
///
/// What counts: the elements the builder was given (for 2-D MoE tensors, the rows that belong
/// to a group; rows past `offsets[G-1]` take part in no GEMM and are left out by callers).
/// `total` is the merge of every group's elements, so `total` equals a single accumulator over
/// all of them.
public struct TensorErrors: Codable, Hashable, Sendable {
    enum CodingKeys: String, CodingKey {
        case name, total, groups, ulp
        case rowSQNR = "row_sqnr"
    }

    public var name: String
    public var total: ErrorSummary
    /// One per group, in group order (an empty group has `elements == 0`).
    public var groups: [ErrorSummary]
    /// The distribution of row SQNRs (dB), rows without signal excluded; nil for tensors
    /// that are not token-major (weights, wgrad outputs).
    public var rowSQNR: Quantiles?
    /// bf16 ULP errors (GEMM outputs), nil for quantized operands.
    public var ulp: ULPHistogram?

    public init(name: String, total: ErrorSummary, groups: [ErrorSummary], rowSQNR: Quantiles?, ulp: ULPHistogram?) {
        self.name = name
        self.total = total
        self.groups = groups
        self.rowSQNR = rowSQNR
        self.ulp = ulp
    }
}

/// Collects `TensorErrors` from row accumulators (token-major tensors) or group accumulators
/// (weights), in a fixed order so the result is the same on every run however the rows were
/// computed.
public struct TensorErrorsBuilder: Sendable {
    public let name: String
    var groups: [ErrorAccumulator]
    var rows: [(index: Int, value: Double)] = []
    var rowsWithoutSignal = 0
    var rowStructured = false
    var histogram: ULPHistogram?

    public init(name: String, groups: Int, ulp: Bool) {
        self.name = name
        self.groups = [ErrorAccumulator](repeating: ErrorAccumulator(), count: groups)
        histogram = ulp ? ULPHistogram() : nil
    }

    /// Adds a whole row (token) `index` of group `group`; its SQNR joins the row distribution.
    public mutating func addRow(_ index: Int, group: Int, _ acc: ErrorAccumulator, ulp: ULPHistogram? = nil) {
        rowStructured = true
        groups[group].merge(acc)
        if let s = acc.sqnrDB { rows.append((index, s)) } else { rowsWithoutSignal += 1 }
        if let ulp { histogram?.merge(ulp) }
    }

    /// Adds elements of group `group` that are not a token row (weights, wgrad outputs).
    public mutating func add(group: Int, _ acc: ErrorAccumulator, ulp: ULPHistogram? = nil) {
        groups[group].merge(acc)
        if let ulp { histogram?.merge(ulp) }
    }

    public func finish() -> TensorErrors {
        var total = ErrorAccumulator()
        for g in groups { total.merge(g) }
        return TensorErrors(name: name, total: total.summary, groups: groups.map(\.summary),
                            rowSQNR: rowStructured ? Quantiles(rows, excluded: rowsWithoutSignal) : nil,
                            ulp: histogram)
    }
}

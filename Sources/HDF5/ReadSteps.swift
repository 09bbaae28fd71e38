/// The supervising parent's view of the HDF5 steps its child has open: the lines `ReadProgress`
/// writes, parsed and stacked (the CLI's `Supervisor` bounds time and memory with it).
///
/// Memory: while a step is open, the child's resident memory may exceed what it was when the
/// outermost open step began by `stepMemory` plus 4 x the bytes read. The bytes read are those
/// of the open steps *and of the steps that ended inside them*: when an inner step ends, its
/// bytes are added to the step around it, because what it read is still held there (reading a
/// dataset is an outer "opening the dataset" step around the inner read; the array the read
/// filled lives on until the outer step returns it). Without that, a sample taken between the
/// inner and the outer end saw a legitimate 385 MiB array as an allocation of a metadata step.
public struct ReadSteps: Sendable {
    public struct Step: Sendable {
        public var file: String
        public var path: String
        public var what: String
        /// Seconds the step may run (restarted when an inner step ends).
        public var allowance: Double
        public var started: Double
        /// The bytes the step reads, plus those of the steps that ended inside it.
        public var bytes: UInt64
        /// The child's resident bytes when the step began (0: it could not read them).
        public var residentAtStart: UInt64
    }

    /// Open steps, innermost last.
    public private(set) var open: [Step] = []
    /// The step begun most recently (open or not): what the child was doing last.
    public private(set) var lastBegun: Step?

    public init() {}

    /// The innermost open step.
    public var current: Step? { open.last }

    /// Applies one line of the protocol (without its newline) at time `now`; other lines are
    /// ignored.
    public mutating func apply(_ line: String, now: Double) {
        let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        if fields.first == "B", fields.count == 7 {
            open.append(Step(file: fields[2], path: fields[3], what: fields[4], allowance: Double(fields[1]) ?? 5,
                             started: now, bytes: UInt64(fields[5]) ?? 0, residentAtStart: UInt64(fields[6]) ?? 0))
            lastBegun = open.last
        } else if fields.first == "E", let ended = open.popLast(), !open.isEmpty {
            open[open.count - 1].started = now
            open[open.count - 1].bytes &+= ended.bytes
        }
    }

    /// The resident-memory bound while steps are open: (limit, bytes read, baseline), or nil when
    /// none is open or the outermost one's baseline could not be read.
    public func memoryLimit(stepMemory: UInt64) -> (limit: UInt64, read: UInt64, baseline: UInt64)? {
        guard let outer = open.first, outer.residentAtStart > 0 else { return nil }
        let read = open.map(\.bytes).max() ?? 0
        return (outer.residentAtStart &+ stepMemory &+ 4 &* read, read, outer.residentAtStart)
    }
}

import Testing
import HDF5

/// The supervisor's step bookkeeping (`ReadSteps`): the memory a step may hold includes what the
/// steps that ended inside it read. A false alarm found on 2026-12-05: verify on a 98432 x 2048
/// bf16 fixture (scripts/bench/attribution.sh) was stopped with "the HDF5 library allocated
/// 385 MiB while opening the dataset (a metadata read)"; the 385 MiB were the array the inner read
/// step had just filled, sampled after that step ended and before the outer one did.
struct ReadStepsTests {
    static let mib: UInt64 = 1 << 20

    static func begin(_ what: String, bytes: UInt64, resident: UInt64) -> String {
        "B\t5\tf.h5\t/inputs/a\t\(what)\t\(bytes)\t\(resident)"
    }

    @Test func anEndedReadStillCountsInTheStepAroundIt() throws {
        var steps = ReadSteps()
        steps.apply(Self.begin("opening the dataset", bytes: 0, resident: 100 * Self.mib), now: 0)
        steps.apply(Self.begin("reading the data", bytes: 403 * Self.mib, resident: 100 * Self.mib), now: 1)
        steps.apply("E", now: 2)
        let bound = try #require(steps.memoryLimit(stepMemory: 256 * Self.mib))
        #expect(steps.current?.what == "opening the dataset")
        #expect(bound.read == 403 * Self.mib)
        #expect(bound.baseline == 100 * Self.mib)
        #expect(bound.limit == (100 + 256 + 4 * 403) * Self.mib)
        // The array just read (the resident memory then) is within the bound.
        #expect(100 * Self.mib + 403 * Self.mib < bound.limit)
    }

    @Test func aMetadataStepAloneGetsOnlyTheFixedAllowance() throws {
        var steps = ReadSteps()
        steps.apply(Self.begin("reading the attribute", bytes: 0, resident: 50 * Self.mib), now: 0)
        let bound = try #require(steps.memoryLimit(stepMemory: 256 * Self.mib))
        #expect(bound.limit == (50 + 256) * Self.mib)
        // What the hostile reproducer did (2.1 GB for a 78 KB file) is over it.
        #expect(50 * Self.mib + 2100 * Self.mib > bound.limit)
    }

    @Test func stepsEndAndNoBoundIsLeft() {
        var steps = ReadSteps()
        steps.apply(Self.begin("opening the dataset", bytes: 0, resident: 10 * Self.mib), now: 0)
        steps.apply(Self.begin("reading the data", bytes: 8 * Self.mib, resident: 10 * Self.mib), now: 1)
        steps.apply("E", now: 2)
        steps.apply("E", now: 3)
        #expect(steps.current == nil)
        #expect(steps.memoryLimit(stepMemory: 0) == nil)
        #expect(steps.lastBegun?.what == "reading the data")
        // An unreadable baseline (0) gives no bound; a malformed line is ignored.
        steps.apply(Self.begin("opening the dataset", bytes: 0, resident: 0), now: 4)
        steps.apply("B\tnot enough fields", now: 5)
        #expect(steps.open.count == 1)
        #expect(steps.memoryLimit(stepMemory: 0) == nil)
    }

    @Test func anInnerStepEndingRestartsTheOuterClock() {
        var steps = ReadSteps()
        steps.apply(Self.begin("opening the dataset", bytes: 0, resident: 1), now: 0)
        steps.apply(Self.begin("reading the data", bytes: 0, resident: 1), now: 1)
        steps.apply("E", now: 7)
        #expect(steps.current?.started == 7)
    }
}

import FP8
import Groups
import Recipes
import Testing

@Suite struct AttributeTests {
    @Test func defaultsAreTorchaoRowwise() throws {
        #expect(try Recipe(attributes: [:]) == .rowwise)
        #expect(try Recipe(attributes: ["recipe": "tensorwise"]) == .tensorwise)
        #expect(try Recipe(attributes: ["producer": "x", "device": "H100"]) == .rowwise)  // unknown names ignored
    }

    @Test func everyAttributeParses() throws {
        let r = try Recipe(attributes: [
            "recipe": "rowwise", "fp8_format": "float8_e4m3fnuz", "amax_nan": "nan_to_num",
            "scale_compute": "fp32", "scale_pow2": "0", "cast_policy": "hip-sw", "nan_arith": "propagate",
        ])
        #expect(r.format == .e4m3fnuz && r.amaxNaN == .nanToNum && r.scaleCompute == .fp32)
        #expect(!r.scalePow2 && r.castPolicy == .hipSW && r.nanArithmetic == .propagate)
        #expect(try Recipe(attributes: r.attributes.mapValues(\.text)) == r)
    }

    @Test("unknown values are errors", arguments: [
        ("recipe", "nvfp4"), ("fp8_format", "e3m4"), ("fp8_format", "e8m0fnu"), ("amax_nan", "clip"),
        ("scale_compute", "fp16"), ("scale_pow2", "yes"), ("cast_policy", "round"), ("nan_arith", "x86"),
    ])
    func unknownValue(name: String, value: String) {
        #expect(throws: AttributeError.self) { try Recipe(attributes: [name: value]) }
    }

    @Test func reductionAndGemmAttributes() throws {
        #expect(try Recipe.parseReduction("per_group_column") == .perGroupColumn)
        #expect(throws: AttributeError.self) { try Recipe.parseReduction("blockwise") }
        #expect(try Recipe.parseAccumEps("1e-5") == 1e-5)
        #expect(throws: AttributeError.self) { try Recipe.parseAccumEps("-1") }
        #expect(try Recipe.parseFlag("1", .useFastAccum))
    }

    @Test func operandReductionTable() {
        #expect(Operand.a.reduction(under: .rowwise) == .rowwise)
        #expect(Operand.aWgrad.reduction(under: .rowwise) == .perGroupColumn)
        #expect(Operand.bT.reduction(under: .tensorwise) == .perExpert)
        #expect(Operand.gradOutWgrad.reduction(under: .tensorwise) == .perGroup)
    }

    @Test func offsetsProblems() {
        #expect(GroupOffsets([0, 2, 2, 5]).problem(rows: 5) == nil)
        #expect(GroupOffsets([3, 2]).problem(rows: 5) != nil)
        #expect(GroupOffsets([-1]).problem(rows: 5) != nil)
        #expect(GroupOffsets([6]).problem(rows: 5) != nil)
    }

    /// `group(ofRow:)` (binary search) against the naive row-by-row assignment of `groupOfRow`,
    /// over leading, middle and trailing empty groups and rows past the last offset.
    @Test func groupOfOneRowAgreesWithEveryRow() {
        for ends in [[0, 2, 2, 5], [3, 3, 3], [0, 0, 4], [1, 4, 4, 4], [], [2, 7, 9, 9]] {
            let o = GroupOffsets(ends)
            let all = o.groupOfRow(rows: 12)
            for r in -1..<12 {
                #expect(o.group(ofRow: r) == (r < 0 || all[r] < 0 ? nil : all[r]), "\(ends) row \(r)")
            }
        }
    }
}

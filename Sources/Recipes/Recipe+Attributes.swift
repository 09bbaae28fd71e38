import FP8
import Foundation

/// The result attribute vocabulary of SPEC section 5, and its parsing.
///
/// Attribute values arrive as text: strings as stored, integer flags as their decimal
/// spelling (`"1"`). Names the reader does not know are ignored; a known name with an unknown
/// value is an `AttributeError`.
public enum RecipeAttribute: String, CaseIterable, Sendable {
    case recipe
    case fp8Format = "fp8_format"
    case amaxNaN = "amax_nan"
    case scaleCompute = "scale_compute"
    case scalePow2 = "scale_pow2"
    case castPolicy = "cast_policy"
    case nanArith = "nan_arith"
    case reduction
    case accumEps = "accum_eps"
    case useFastAccum = "use_fast_accum"
    case inputNaNToNum = "input_nan_to_num"
    /// The kernel's flat block size in elements, when it has one (PR #4179's per-group kernel's
    /// BLOCK_SIZE): a hint verify uses to name a straddle, never to judge.
    case blockSize = "block_size"
    /// SPEC 8.3.
    case scaleFormat = "scale_format"
    case scaleMode = "scale_mode"
    case scaleConvention = "scale_convention"
    case blockPadding = "block_padding"
}

extension Recipe {
    /// The recipe that `attributes` declare. A missing `recipe` means `rowwise` (SPEC: the
    /// defaults are torchao's rowwise MoE path); every other missing attribute takes the value
    /// of the named preset; `nan_arith` defaults to `canonical`. A `recipe` that names a
    /// reduction set (SPEC 8.1) takes the preset of the table that reduction belongs to
    /// (`Recipe.Kind(recipeAttribute:)`).
    ///
    /// Errors: `AttributeError` for a known attribute with a value outside its vocabulary.
    public init(attributes: [String: String]) throws(AttributeError) {
        func value(_ a: RecipeAttribute) -> String? {
            attributes[a.rawValue].map { $0.trimmingCharacters(in: .whitespaces) }
        }
        var recipe = Recipe.rowwise
        if let text = value(.recipe) {
            guard let kind = Recipe.Kind(recipeAttribute: text) else {
                throw AttributeError(attribute: "recipe", value: text, known: Recipe.Kind.recipeAttributeValues)
            }
            recipe = .preset(kind)
        }
        if let text = value(.inputNaNToNum) {
            recipe.inputNaNToNum = try Self.parseFlag(text, .inputNaNToNum)
        }
        if let text = value(.fp8Format) {
            // e8m0fnu is a scale format, never a payload.
            guard let f = FP8Format(named: text), f != .e8m0fnu else {
                throw AttributeError(attribute: "fp8_format", value: text,
                                     known: [FP8Format.e4m3fn, .e5m2, .e4m3fnuz, .e5m2fnuz].map(\.name))
            }
            recipe.format = f
        }
        if let text = value(.amaxNaN) {
            recipe.amaxNaN = try Self.parse(text, .amaxNaN, AmaxNaNPolicy.self)
        }
        if let text = value(.scaleCompute) {
            recipe.scaleCompute = try Self.parse(text, .scaleCompute, ScaleCompute.self)
        }
        if let text = value(.scalePow2) {
            recipe.scalePow2 = try Self.parseFlag(text, .scalePow2)
        }
        if let text = value(.castPolicy) {
            guard let p = ConversionPolicy(named: text) else {
                throw AttributeError(attribute: "cast_policy", value: text, known: ConversionPolicy.all.map(\.name))
            }
            recipe.castPolicy = p
        }
        if let text = value(.scaleFormat) {
            recipe.scaleFormat = try Self.parse(text, .scaleFormat, ScaleFormat.self)
        }
        if let text = value(.scaleMode) {
            recipe.scaleMode = try Self.parse(text, .scaleMode, ScaleMode.self)
        }
        if let text = value(.scaleConvention) {
            recipe.scaleConvention = try Self.parse(text, .scaleConvention, ScaleConvention.self)
        }
        if let text = value(.blockPadding) {
            recipe.blockPadding = try Self.parse(text, .blockPadding, BlockPadding.self)
        }
        if let text = value(.nanArith) {
            recipe.nanArithmetic = try Self.parse(text, .nanArith, NaNArithmetic.self)
        } else {
            recipe.nanArithmetic = .canonical
        }
        self = recipe
    }

    /// The attributes that declare this recipe, as a producer writes them (flags as integers).
    public var attributes: [String: AttributeText] {
        [
            "recipe": .string(kind.rawValue), "fp8_format": .string(format.name),
            "amax_nan": .string(amaxNaN.rawValue), "scale_compute": .string(scaleCompute.rawValue),
            "scale_pow2": .integer(scalePow2 ? 1 : 0), "cast_policy": .string(castPolicy.name),
            "nan_arith": .string(nanArithmetic.rawValue), "input_nan_to_num": .integer(inputNaNToNum ? 1 : 0),
            "scale_format": .string(scaleFormat.rawValue), "scale_mode": .string(scaleMode.rawValue),
            "scale_convention": .string(scaleConvention.rawValue),
            "block_padding": .string(blockPadding.rawValue),
        ]
    }

    /// Parses the `reduction` override attribute.
    public static func parseReduction(_ text: String) throws(AttributeError) -> Reduction {
        try parse(text.trimmingCharacters(in: .whitespaces), .reduction, Reduction.self)
    }

    /// Parses a 0/1 flag (`scale_pow2`, `use_fast_accum`, `input_nan_to_num`).
    public static func parseFlag(_ text: String, _ attribute: RecipeAttribute) throws(AttributeError) -> Bool {
        switch text.trimmingCharacters(in: .whitespaces) {
        case "0": return false
        case "1": return true
        default: throw AttributeError(attribute: attribute.rawValue, value: text, known: ["0", "1"])
        }
    }

    /// Parses `accum_eps`: a finite, non-negative number.
    public static func parseAccumEps(_ text: String) throws(AttributeError) -> Double {
        guard let v = Double(text.trimmingCharacters(in: .whitespaces)), v.isFinite, v >= 0 else {
            throw AttributeError(attribute: "accum_eps", value: text, known: ["a finite number >= 0"])
        }
        return v
    }

    private static func parse<T: RawRepresentable & CaseIterable>(
        _ text: String, _ attribute: RecipeAttribute, _ type: T.Type
    ) throws(AttributeError) -> T where T.RawValue == String {
        guard let v = T(rawValue: text) else {
            throw AttributeError(attribute: attribute.rawValue, value: text, known: T.allCases.map(\.rawValue))
        }
        return v
    }
}

/// An attribute value as it is stored: text or an integer flag.
public enum AttributeText: Hashable, Sendable {
    case string(String)
    case integer(Int)

    /// The text form the parsers take.
    public var text: String {
        switch self {
        case .string(let s): s
        case .integer(let i): String(i)
        }
    }
}

extension Recipe.Kind {
    /// Every value the `recipe` attribute takes: the two recipes, and the reduction sets
    /// (SPEC 8.1), which are not recipes of their own.
    public static let recipeAttributeValues: [String] =
        allCases.map(\.rawValue) + Reduction.allCases.map(\.rawValue).filter { Recipe.Kind(rawValue: $0) == nil }

    /// The recipe a `recipe` attribute names: `rowwise`, `tensorwise`, or a reduction set, which
    /// means the recipe whose table holds it (`per_group_column`: torchao's rowwise wgrad
    /// operands; `per_expert`, `per_group`: the tensorwise PR's weights and wgrad operands).
    public init?(recipeAttribute text: String) {
        if let k = Recipe.Kind(rawValue: text) { self = k; return }
        switch Reduction(rawValue: text) {
        case .perGroupColumn: self = .rowwise
        case .perExpert, .perGroup: self = .tensorwise
        case .block1x32, .block32x1: self = .mxfp8
        case .block1x128, .block128x1, .block128x128: self = .blockwise
        default: return nil
        }
    }
}

import FP8
import Groups
import HDF5
import Recipes
import Schema

/// A result dataset, validated and loaded, with the semantics its attributes declare.
struct DatasetPlan {
    let dataset: ResultDataset
    let path: String
    /// The attributes parsed once (group and dataset merged).
    let declaration: RecipeDeclaration
    var recipe: Recipe
    /// Payloads and scales: the reduction (`RecipeDeclaration.reduction(of:)`). GEMM outputs: nil.
    let reduction: Reduction?
    let shape: [Int]
    var codes: [UInt8] = []
    /// Scales as stored: fp32 values (multipliers or reciprocals, `recipe.scaleConvention`), or
    /// for e8m0 the multipliers of `scaleCodes` (`E8M0Scale.multiplier`, one to one).
    var scales: [Float] = []
    /// e8m0 scales (SPEC 8.3): the codes as stored.
    var scaleCodes: [UInt8] = []
    var bf16: [UInt16] = []

    /// The producer's quantization multipliers: the stored scales, their reciprocals for
    /// `scale_convention = reciprocal` (`1 / stored`: the multiplier the kernel divided, up to
    /// one rounding), the code's power of two for e8m0.
    var multipliers: [Float] {
        recipe.scaleFormat == .fp32 && recipe.scaleConvention == .reciprocal ? scales.map { 1 / $0 } : scales
    }
}

/// A producer's group, validated.
struct ProducerPlan {
    let name: String
    let attributes: [String: String]
    let datasets: [DatasetPlan]

    func plan(_ d: ResultDataset) -> DatasetPlan? { datasets.first { $0.dataset == d } }
}

/// Validation of a whole fixture before anything is computed (SPEC section 6: invalid input is
/// exit status 2, naming the file, the path and the problem).
enum FixtureValidation {
    static func checkRoot(_ file: HDF5File) throws(InvalidFixture) {
        func fail(_ problem: String) -> InvalidFixture { InvalidFixture(file: file.path, path: "/", problem: problem) }
        guard try InvalidFixture.wrap({ () throws(FixtureError) in try file.hasAttribute("schema") }) else {
            throw fail("missing attribute schema = \"\(FixtureSchema.schema)\"")
        }
        let schema = try attributeText(file, "schema", "/")
        guard schema == FixtureSchema.schema else {
            throw fail("attribute schema is \"\(schema)\", expected \"\(FixtureSchema.schema)\"")
        }
        guard try InvalidFixture.wrap({ () throws(FixtureError) in try file.hasAttribute("schema_version") }) else {
            throw fail("missing attribute schema_version")
        }
        let version = try attributeText(file, "schema_version", "/")
        guard version == String(FixtureSchema.version) else {
            throw fail("schema_version \(version) is not supported (this reader knows \(FixtureSchema.version))")
        }
    }

    /// `/inputs` must be a group: each input in it is optional (SPEC section 5), the group is not
    /// (without it nothing in the file can be recomputed, and every result would pass as skipped).
    static func checkInputsGroup(_ file: HDF5File) throws(InvalidFixture) {
        let kind = try InvalidFixture.wrap { () throws(FixtureError) in try file.objectKind(at: FixtureSchema.inputs) }
        guard kind == .group else {
            throw InvalidFixture(file: file.path, path: FixtureSchema.inputs, problem: kind == nil
                ? "missing group (a fixture keeps its inputs a, b, offsets, grad_out here; each is optional, the group is not)"
                : "expected a group, found a \(kind!)")
        }
    }

    /// Every producer group under /results (or those named), validated and loaded.
    static func producers(_ file: HDF5File, _ reference: ReferenceQuantization, only: [String]) throws(InvalidFixture) -> [ProducerPlan] {
        let results = FixtureSchema.results
        let exists = try InvalidFixture.wrap { () throws(FixtureError) in try file.objectKind(at: results) }
        var names: [String] = []
        if exists == .group {
            for n in try InvalidFixture.wrap({ () throws(FixtureError) in try file.members(of: results) })
            where try InvalidFixture.wrap({ () throws(FixtureError) in try file.objectKind(at: "\(results)/\(n)") }) == .group {
                names.append(n)
            }
        }
        for wanted in only where !names.contains(wanted) {
            throw InvalidFixture(file: file.path, path: "\(results)/\(wanted)",
                                 problem: "no such producer (present: \(names.isEmpty ? "none" : names.joined(separator: ", ")))")
        }
        if !only.isEmpty { names = names.filter(only.contains) }
        var plans: [ProducerPlan] = []
        for name in names {
            plans.append(try producer(file, reference, "\(results)/\(name)", name: name))
        }
        return plans
    }

    static func producer(_ file: HDF5File, _ reference: ReferenceQuantization, _ group: String, name: String) throws(InvalidFixture) -> ProducerPlan {
        let groupAttributes = try attributes(file, group)
        // Parsed once here: every dataset that declares nothing of its own uses it as it is.
        let groupDeclaration: RecipeDeclaration
        do { groupDeclaration = try RecipeDeclaration(group: groupAttributes) } catch {
            throw InvalidFixture(file: file.path, path: group, problem: error.description)
        }
        let members = try InvalidFixture.wrap { () throws(FixtureError) in try file.members(of: group) }
        var datasets: [DatasetPlan] = []
        for member in members.sorted() {
            guard let d = ResultDataset(name: member) else { continue }  // unknown names are ignored
            let path = "\(group)/\(member)"
            guard try InvalidFixture.wrap({ () throws(FixtureError) in try file.objectKind(at: path) }) == .dataset else { continue }
            datasets.append(try dataset(file, reference, d, path, groupAttributes, groupDeclaration))
        }
        return ProducerPlan(name: name, attributes: groupAttributes, datasets: datasets)
    }

    static func dataset(_ file: HDF5File, _ reference: ReferenceQuantization, _ d: ResultDataset, _ path: String,
                        _ groupAttributes: [String: String], _ groupDeclaration: RecipeDeclaration) throws(InvalidFixture) -> DatasetPlan {
        func fail(_ problem: String) -> InvalidFixture { InvalidFixture(file: file.path, path: path, problem: problem) }
        let inputs = reference.inputs
        let own = try attributes(file, path)
        // A dataset's own recipe attributes override its group's: the merged set is parsed once.
        let declaration: RecipeDeclaration
        if RecipeAttribute.allCases.contains(where: { own[$0.rawValue] != nil }) {
            do { declaration = try RecipeDeclaration(group: groupAttributes, dataset: own) } catch { throw fail(error.description) }
        } else {
            declaration = groupDeclaration
        }
        var recipe = declaration.recipe
        let dtype = own["dtype"] ?? groupAttributes["dtype"]
        let formatDeclared = own["fp8_format"] != nil || groupAttributes["fp8_format"] != nil

        switch d {
        case .payload(let op), .scale(let op):
            if case .payload = d, let dtype {
                guard let f = FP8Format(named: dtype), f != .e8m0fnu, dtype.hasPrefix("float8_") else {
                    throw fail("dtype \"\(dtype)\" is not an fp8 payload type (float8_e4m3fn, float8_e5m2, ...)")
                }
                if !formatDeclared { recipe.format = f }
                else if f != recipe.format {
                    throw fail("dtype \"\(dtype)\" disagrees with fp8_format \"\(recipe.format.name)\"")
                }
            }
            let red = declaration.reduction(of: op)
            var plan = DatasetPlan(dataset: d, path: path, declaration: declaration, recipe: recipe, reduction: red,
                                   shape: try InvalidFixture.wrap { () throws(FixtureError) in try file.shape(of: path) })
            var expected: [Int]?
            if let source = inputs.source(of: op) {
                if case .payload = d { expected = source.shape }
                else if reference.missing(op, reduction: red) == nil {
                    do { expected = try reference.grouping(op, reduction: red, padding: recipe.blockPadding).scaleShape } catch { throw fail(error.description) }
                }
            }
            if case .payload = d {
                plan.codes = try InvalidFixture.wrap { () throws(FixtureError) in try file.readArray(path, as: UInt8.self).values }
                if let expected, plan.shape != expected { throw fail("shape \(plan.shape) disagrees with the source's \(expected)") }
            } else if recipe.scaleFormat == .e8m0 {
                // SPEC 8.3: e8m0 scale datasets are uint8 codes with dtype = "float8_e8m0fnu".
                let stored = try InvalidFixture.wrap { () throws(FixtureError) in try file.elementTypeName(of: path) }
                guard stored == "uint8", dtype == FP8Format.e8m0fnu.dtypeName else {
                    throw fail("e8m0 scales (scale_format = e8m0) must be uint8 with dtype = \"\(FP8Format.e8m0fnu.dtypeName)\"; "
                        + "found \(stored)" + (dtype.map { " with dtype = \"\($0)\"" } ?? " without a dtype attribute"))
                }
                plan.scaleCodes = try InvalidFixture.wrap { () throws(FixtureError) in try file.readArray(path, as: UInt8.self).values }
                plan.scales = plan.scaleCodes.map(E8M0Scale.multiplier(code:))
                if let expected, !sameShapeIgnoringOnes(plan.shape, expected) {
                    throw fail("scale shape \(plan.shape) does not fit reduction \(red.rawValue), which gives \(expected)")
                }
            } else {
                if dtype == FP8Format.e8m0fnu.dtypeName {
                    throw fail("dtype \"\(dtype!)\" but scale_format is fp32 (declare scale_format = e8m0)")
                }
                plan.scales = try InvalidFixture.wrap { () throws(FixtureError) in try file.readArray(path, as: Float.self).values }
                if let expected, !sameShapeIgnoringOnes(plan.shape, expected) {
                    throw fail("scale shape \(plan.shape) does not fit reduction \(red.rawValue), which gives \(expected)")
                }
            }
            return plan
        case .gemm(let kind):
            guard dtype == FixtureSchema.bf16DType else {
                throw fail(dtype == nil ? "missing attribute dtype = \"bfloat16\"" : "dtype is \"\(dtype!)\", expected \"bfloat16\"")
            }
            var plan = DatasetPlan(dataset: d, path: path, declaration: declaration, recipe: recipe, reduction: nil,
                                   shape: try InvalidFixture.wrap { () throws(FixtureError) in try file.shape(of: path) })
            plan.bf16 = try InvalidFixture.wrap { () throws(FixtureError) in try file.readArray(path, as: UInt16.self).values }
            let (m, k) = (inputs.rowCount, inputs.a?.shape[1] ?? inputs.b?.shape[1])
            let (n, g) = (inputs.b?.shape[2] ?? inputs.gradOut?.shape[1], inputs.groupCount)
            let expected: [Int?] = switch kind {
            case .out: [m, n]
            case .gradA: [m, k]
            case .gradB: [g, k, n]
            }
            if plan.shape.count != expected.count || zip(plan.shape, expected).contains(where: { $1 != nil && $0 != $1 }) {
                throw fail("shape \(plan.shape) disagrees with the inputs (expected \(expected.map { $0.map(String.init) ?? "?" }))")
            }
            return plan
        }
    }

    /// Every attribute of the object at `path`, as text.
    static func attributes(_ file: HDF5File, _ path: String) throws(InvalidFixture) -> [String: String] {
        var out: [String: String] = [:]
        for name in try InvalidFixture.wrap({ () throws(FixtureError) in try file.attributeNames(at: path) }) {
            out[name] = try attributeText(file, name, path)
        }
        return out
    }

    /// An attribute as text: a string as stored, an integer (or an integral float) in decimal,
    /// another float in Swift's shortest round-trip spelling.
    ///
    /// Errors: `InvalidFixture` for an attribute that is none of these (a compound, an array,
    /// ...), naming its type; any other HDF5 failure as it is.
    static func attributeText(_ file: HDF5File, _ name: String, _ path: String) throws(InvalidFixture) -> String {
        var found = "?"
        /// The value, or nil when the attribute is of another type (`found` then names it).
        func attempt<T>(_ read: () throws(FixtureError) -> T) throws(InvalidFixture) -> T? {
            do { return try read() } catch {
                guard case .wrongType(_, let type) = error.problem else { throw InvalidFixture(error) }
                found = type
                return nil
            }
        }
        if let s = try attempt({ () throws(FixtureError) in try file.stringAttribute(name, at: path) }) { return s }
        if let i = try attempt({ () throws(FixtureError) in try file.integerAttribute(name, at: path) }) { return String(i) }
        if let d = try attempt({ () throws(FixtureError) in try file.floatAttribute(name, at: path) }) {
            return d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d)
        }
        throw InvalidFixture(file: file.path, path: path,
                             problem: "attribute '\(name)' is a \(found), expected a string or a number")
    }
}

import Foundation
import Testing
import TestSupport
@testable import HDF5

/// Files written by h5py are read here, and files written here are read by h5py (SPEC section 5).
@Suite("h5py interoperability")
struct H5pyInteropTests {
    /// Writes the file named by argv[1] the way a Python producer would.
    static let pythonWriter = #"""
import sys, h5py, numpy as np
kinds = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
         "float32", "float64"]
with h5py.File(sys.argv[1], "w") as f:
    f.attrs["schema"] = "fp8moe-fixture"                   # variable-length UTF-8 str
    f.attrs["schema_version"] = 1                          # int64
    f.attrs["description"] = "bf16 → fp8 ✓"
    f.attrs["fixed"] = np.bytes_(b"tensorwise")            # fixed-length ASCII
    f.attrs["padded"] = np.array(b"fp32", dtype="S8")      # fixed-length, NUL-padded
    f.attrs["flag"] = np.bool_(True)                       # enum over int8
    f.attrs["off"] = np.bool_(False)
    f.attrs["small"] = np.int8(-3)
    f.attrs["u16"] = np.uint16(65535)
    f.attrs["u64"] = np.uint64(2**63 + 1)
    f.attrs["half"] = np.float16(0.5)
    f.attrs["single"] = np.float32(0.1)
    f.attrs["double"] = 1e-300
    f.attrs["one"] = np.array([7], dtype=np.int32)         # array of one element
    f.attrs["three"] = np.array([1, 2, 3])
    for i, kind in enumerate(kinds):
        data = (np.arange(24) * 5).astype(kind).reshape(2, 3, 4)
        f.create_dataset(f"/data/{kind}", data=data, compression="gzip" if i % 2 else None)
    f["/data/big_endian"] = np.arange(5, dtype=">u2")
    f["/data/half"] = np.zeros(3, dtype=np.float16)
    f["/data/bool"] = np.array([True, False])
    f["/data/scalar"] = np.float32(2.5)
    f["/data/empty"] = h5py.Empty("f4")
    g = f.create_group("/results/torch")
    g.attrs["producer"] = "torch"
    g.attrs["scale_pow2"] = 0
    g.create_dataset("a_scale", data=np.float32([448.0 / 3]))
    g["a_scale"].attrs["scale_pow2"] = 1
"""#

    @Test("a file written by h5py reads back here")
    func readH5py() throws {
        try withTemporaryFolder { folder in
            let path = folder + "/from_h5py.h5"
            _ = try runPython(Self.pythonWriter, [path])
            let file = try HDF5File(reading: path)

            #expect(try file.stringAttribute("schema") == "fp8moe-fixture")
            #expect(try file.integerAttribute("schema_version") == 1)
            #expect(try file.stringAttribute("description") == "bf16 → fp8 ✓")
            #expect(try file.stringAttribute("fixed") == "tensorwise")
            #expect(try file.stringAttribute("padded") == "fp32")
            #expect(try file.integerAttribute("flag") == 1)
            #expect(try file.integerAttribute("off") == 0)
            #expect(try file.integerAttribute("small") == -3)
            #expect(try file.integerAttribute("u16") == 65535)
            #expect(try file.floatAttribute("half") == 0.5)
            #expect(try file.floatAttribute("single") == Double(Float(0.1)))
            #expect(try file.floatAttribute("double") == 1e-300)
            #expect(try file.floatAttribute("schema_version") == 1)
            #expect(try file.integerAttribute("one") == 7)
            expectFixtureError(.outOfRange("attribute 'u64' does not fit an Int"), file: path, path: "/") {
                _ = try file.integerAttribute("u64")
            }
            expectFixtureError(.notAScalar(attribute: "three", shape: [3]), file: path, path: "/") {
                _ = try file.integerAttribute("three")
            }
            expectFixtureError(.wrongType(expected: "integer (attribute 'half')", found: "float16"),
                               file: path, path: "/") {
                _ = try file.integerAttribute("half")
            }

            for kind in HDF5ElementKind.allCases {
                try withType(of: kind) { type in try expectRamp(type, in: file, at: "/data/\(kind)") }
            }
            #expect(try file.readArray("/data/big_endian", as: UInt16.self).values == [0, 1, 2, 3, 4])
            expectFixtureError(.wrongType(expected: "uint16", found: "float16"),
                               file: path, path: "/data/half") {
                _ = try file.readArray("/data/half", as: UInt16.self)
            }
            expectFixtureError(.wrongType(expected: "int8", found: "enum"), file: path, path: "/data/bool") {
                _ = try file.readArray("/data/bool", as: Int8.self)
            }
            #expect(try file.readArray("/data/scalar", as: Float.self) == HDF5Array(values: [2.5], shape: []))
            expectFixtureError(.nullDataspace, file: path, path: "/data/empty") {
                _ = try file.readArray("/data/empty", as: Float.self)
            }
            #expect(try file.members(of: "/data").count == 15)
            #expect(try file.stringAttribute("producer", at: "/results/torch") == "torch")
            #expect(try file.integerAttribute("scale_pow2", at: "/results/torch") == 0)
            #expect(try file.integerAttribute("scale_pow2", at: "/results/torch/a_scale") == 1)
            #expect(try file.readArray("/results/torch/a_scale", as: Float.self, shape: [1]).values
                    == [Float(448.0 / 3)])
        }
    }

    /// `np.arange(24) * 5` cast to `T`, shape [2, 3, 4].
    func expectRamp<T: Sampled>(_ type: T.Type, in file: HDF5File, at path: String) throws {
        let array = try file.readArray(path, as: T.self, shape: [2, 3, 4])
        let expected: [String] = (0..<24).map { String($0 * 5) }
        let found: [String] = array.values.map { value in
            if let float = value as? Float { return String(Int(float)) }
            if let double = value as? Double { return String(Int(double)) }
            return "\(value)"
        }
        #expect(found == expected, "\(path)")
    }

    /// Reads the file named by argv[1] and prints, as JSON, what h5py sees.
    static let pythonReader = #"""
import sys, json, h5py, numpy as np
out = {"attrs": {}, "datasets": {}}
def visit(name, obj):
    out["attrs"]["/" + name] = {k: [type(v).__name__, v if isinstance(v, str) else repr(v)]
                                for k, v in obj.attrs.items()}
    if isinstance(obj, h5py.Dataset):
        out["datasets"]["/" + name] = {
            "dtype": obj.dtype.str, "shape": list(obj.shape),
            "compression": obj.compression or "none",
            "values": [repr(v) for v in np.asarray(obj[()]).ravel().tolist()]}
with h5py.File(sys.argv[1], "r") as f:
    out["attrs"]["/"] = {k: [type(v).__name__, v if isinstance(v, str) else repr(v)]
                         for k, v in f.attrs.items()}
    f.visititems(visit)
print(json.dumps(out, ensure_ascii=False))
"""#

    struct Seen: Decodable {
        struct Dataset: Decodable {
            var dtype: String
            var shape: [Int]
            var compression: String
            var values: [String]
        }
        var attrs: [String: [String: [String]]]
        var datasets: [String: Dataset]
    }

    @Test("a file written here reads back in h5py")
    func writeForH5py() throws {
        try withTemporaryFolder { folder in
            let path = folder + "/for_h5py.h5"
            let file = try HDF5File(creating: path)
            try file.setAttribute("schema", "fp8moe-fixture")
            try file.setAttribute("schema_version", 1)
            try file.setAttribute("description", "ünïcode ✓")
            try file.setAttribute("scale", Float(0.25))
            try file.setAttribute("eps", 0.125)
            for (i, kind) in HDF5ElementKind.allCases.enumerated() {
                try withType(of: kind) { type in
                    func write<T: Sampled>(_ type: T.Type) throws {
                        let values = (0..<6).map { T.samples[$0 % 3] }
                        try file.write(values, shape: [2, 3], to: "/data/\(kind)",
                                       compression: i % 2 == 0 ? .gzip(level: 1) : .none)
                    }
                    try write(type)
                }
            }
            try file.write([UInt16(0x3F80)], shape: [], to: "/inputs/scalar")
            try file.setAttribute("dtype", "bfloat16", at: "/inputs/scalar")
            try file.createGroup("/results/swift")
            try file.setAttribute("scale_pow2", 1, at: "/results/swift")
            try file.commit()

            let json = try runPython(Self.pythonReader, [path])
            let seen = try JSONDecoder().decode(Seen.self, from: Data(json.utf8))
            #expect(seen.attrs["/"]?["schema"] == ["str", "fp8moe-fixture"])
            #expect(seen.attrs["/"]?["description"] == ["str", "ünïcode ✓"])
            #expect(seen.attrs["/"]?["schema_version"] == ["int64", "np.int64(1)"])
            #expect(seen.attrs["/"]?["scale"] == ["float32", "np.float32(0.25)"])
            #expect(seen.attrs["/"]?["eps"] == ["float64", "np.float64(0.125)"])
            #expect(seen.attrs["/inputs/scalar"]?["dtype"] == ["str", "bfloat16"])
            #expect(seen.attrs["/results/swift"]?["scale_pow2"] == ["int64", "np.int64(1)"])
            #expect(seen.datasets["/inputs/scalar"]?.shape == [])
            #expect(seen.datasets["/inputs/scalar"]?.values == ["16256"])

            let numpyNames: [HDF5ElementKind: String] = [
                .int8: "|i1", .int16: "<i2", .int32: "<i4", .int64: "<i8",
                .uint8: "|u1", .uint16: "<u2", .uint32: "<u4", .uint64: "<u8",
                .float32: "<f4", .float64: "<f8"]
            for (i, kind) in HDF5ElementKind.allCases.enumerated() {
                let dataset = try #require(seen.datasets["/data/\(kind)"])
                #expect(dataset.dtype == numpyNames[kind])
                #expect(dataset.shape == [2, 3])
                #expect(dataset.compression == (i % 2 == 0 ? "gzip" : "none"))
                withType(of: kind) { type in
                    func check<T: Sampled>(_ type: T.Type) {
                        let expected = (0..<6).map { T.samples[$0 % 3] }
                        let parsed = dataset.values.map { text -> String in
                            // Python prints floats as shortest double reprs, ints as digits.
                            if T.self == Float.self || T.self == Double.self {
                                return Double(text).map { "\($0)" } ?? text
                            }
                            return text
                        }
                        let wanted = expected.map { value -> String in
                            if let float = value as? Float { return "\(Double(float))" }
                            return "\(value)"
                        }
                        #expect(parsed == wanted, "\(kind)")
                    }
                    check(type)
                }
            }
        }
    }
}

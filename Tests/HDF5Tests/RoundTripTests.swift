import Foundation
import Testing
@testable import HDF5

/// Values that exercise the bit patterns of each element type: extremes, zero, and for floats
/// signed zeros, infinities, NaN payloads and subnormals.
protocol Sampled: HDF5Element {
    static var samples: [Self] { get }
}

extension Sampled where Self: FixedWidthInteger {
    static var samples: [Self] { [.min, .max, 0, 1, .max / 3, .min / 3 &+ 1, 0x55 & .max] }
}

extension Int8: Sampled {}
extension Int16: Sampled {}
extension Int32: Sampled {}
extension Int64: Sampled {}
extension UInt8: Sampled {}
extension UInt16: Sampled {}
extension UInt32: Sampled {}
extension UInt64: Sampled {}

extension Sampled where Self: BinaryFloatingPoint {
    static var samples: [Self] {
        [0, -0.0, 1, -1.5, .pi, .infinity, -.infinity, .nan, .signalingNaN,
         .leastNonzeroMagnitude, .greatestFiniteMagnitude, .ulpOfOne]
    }
}

extension Float: Sampled {}
extension Double: Sampled {}

/// The raw bytes of `values`, so that NaNs compare by bit pattern.
func bytes<T>(_ values: [T]) -> [UInt8] {
    values.withUnsafeBytes { Array($0) }
}

/// Calls `body` with the Swift type of `kind`.
func withType(of kind: HDF5ElementKind, _ body: (any Sampled.Type) throws -> Void) rethrows {
    switch kind {
    case .int8: try body(Int8.self)
    case .int16: try body(Int16.self)
    case .int32: try body(Int32.self)
    case .int64: try body(Int64.self)
    case .uint8: try body(UInt8.self)
    case .uint16: try body(UInt16.self)
    case .uint32: try body(UInt32.self)
    case .uint64: try body(UInt64.self)
    case .float32: try body(Float.self)
    case .float64: try body(Double.self)
    }
}

@Suite("Round trips through a file written and read by this module")
struct RoundTripTests {
    static let compressions: [Compression] = [.none, .gzip(level: 4)]

    @Test("every element type, every shape kind, with and without gzip",
          arguments: HDF5ElementKind.allCases, compressions)
    func elements(kind: HDF5ElementKind, compression: Compression) throws {
        try withType(of: kind) { type in try roundTrip(type, compression) }
    }

    func roundTrip<T: Sampled>(_ type: T.Type, _ compression: Compression) throws {
        try withTemporaryFolder { folder in
            let path = folder + "/round.h5"
            let samples = T.samples
            let matrix = (0..<60).map { samples[$0 % samples.count] }
            let file = try HDF5File(creating: path)
            try file.write(matrix, shape: [3, 4, 5], to: "/a/b/matrix", compression: compression)
            try file.write(samples, shape: [samples.count], to: "vector", compression: compression)
            try file.write([samples[1]], shape: [], to: "/scalar", compression: compression)
            try file.write([T](), shape: [2, 0], to: "/empty", compression: compression)
            try file.commit()

            let read = try HDF5File(reading: path)
            let m = try read.readArray("/a/b/matrix", as: T.self, shape: [3, nil, 5])
            #expect(m.shape == [3, 4, 5])
            #expect(bytes(m.values) == bytes(matrix))
            let v = try read.readArray("vector", as: T.self)
            #expect(v.shape == [samples.count] && bytes(v.values) == bytes(samples))
            let s = try read.readArray("scalar", as: T.self, shape: [])
            #expect(s.shape == [] && bytes(s.values) == bytes([samples[1]]))
            let e = try read.readArray("empty", as: T.self)
            #expect(e.shape == [2, 0] && e.values.isEmpty)
            #expect(try read.elementTypeName(of: "/vector") == T.hdf5Kind.rawValue)
            #expect(try read.shape(of: "/a/b/matrix") == [3, 4, 5])
        }
    }

    @Test("a large gzip dataset is chunked and compresses")
    func largeCompressed() throws {
        try withTemporaryFolder { folder in
            let values = [UInt16](repeating: 0x3F80, count: 1 << 21)  // 4 MiB of bf16 1.0
            for (name, compression) in [("plain", Compression.none), ("gzip", .gzip(level: 6))] {
                let file = try HDF5File(creating: "\(folder)/\(name).h5")
                try file.write(values, shape: [8, 512, 512], to: "/inputs/b", compression: compression)
                try file.commit()
                let back = try HDF5File(reading: "\(folder)/\(name).h5").readArray("/inputs/b", as: UInt16.self)
                #expect(back.values == values && back.shape == [8, 512, 512])
            }
            let plain = try fileBytes("\(folder)/plain.h5").count
            let gzip = try fileBytes("\(folder)/gzip.h5").count
            #expect(gzip * 100 < plain)
        }
    }

    @Test("chunk shapes stay under 1 MiB and within the dataset")
    func chunkShapes() {
        #expect(HDF5File.chunkShape([4, 4], size: 2) == [4, 4])
        #expect(HDF5File.chunkShape([8, 512, 512], size: 2) == [2, 512, 512])
        #expect(HDF5File.chunkShape([1 << 30], size: 1) == [1 << 20])
        #expect(HDF5File.chunkShape([3, 1_000_001], size: 8).reduce(8, *) <= 1 << 20)
    }

    @Test("every attribute kind")
    func attributes() throws {
        try withTemporaryFolder { folder in
            let path = folder + "/attrs.h5"
            let file = try HDF5File(creating: path)
            try file.write([Float](repeating: 1, count: 4), shape: [4], to: "/results/swift/a_scale")
            try file.setAttribute("schema", "fp8moe-fixture")
            try file.setAttribute("schema_version", 1)
            try file.setAttribute("description", "ünïcödé ✓ and \"quotes\"")
            try file.setAttribute("empty", "")
            try file.setAttribute("negative", -42)
            try file.setAttribute("big", Int.max)
            try file.setAttribute("tiny", Int8(-128))
            try file.setAttribute("unsigned", UInt64.max)
            try file.setAttribute("eps", 0.0078125)
            try file.setAttribute("eps32", Float(0.1))
            try file.setAttribute("recipe", "tensorwise", at: "/results/swift")
            try file.setAttribute("scale_pow2", 0, at: "/results/swift")
            try file.setAttribute("scale_pow2", 1, at: "results/swift/a_scale")
            try file.setAttribute("replaced", "first", at: "/results")
            try file.setAttribute("replaced", 2, at: "/results")
            try file.commit()

            let read = try HDF5File(reading: path)
            #expect(try read.stringAttribute("schema") == "fp8moe-fixture")
            #expect(try read.integerAttribute("schema_version") == 1)
            #expect(try read.stringAttribute("description", at: "/") == "ünïcödé ✓ and \"quotes\"")
            #expect(try read.stringAttribute("empty") == "")
            #expect(try read.integerAttribute("negative") == -42)
            #expect(try read.integerAttribute("big") == Int.max)
            #expect(try read.integerAttribute("tiny") == -128)
            #expect(try read.floatAttribute("eps") == 0.0078125)
            #expect(try read.floatAttribute("eps32") == Double(Float(0.1)))
            #expect(try read.floatAttribute("negative") == -42)
            #expect(try read.stringAttribute("recipe", at: "/results/swift") == "tensorwise")
            #expect(try read.integerAttribute("scale_pow2", at: "/results/swift") == 0)
            #expect(try read.integerAttribute("scale_pow2", at: "/results/swift/a_scale") == 1)
            #expect(try read.integerAttribute("replaced", at: "/results") == 2)
            #expect(try read.hasAttribute("recipe", at: "/results/swift"))
            #expect(try !read.hasAttribute("recipe", at: "/results/swift/a_scale"))
            #expect(try read.attributeNames() == [
                "big", "description", "empty", "eps", "eps32", "negative", "schema",
                "schema_version", "tiny", "unsigned"])
            #expect(try read.attributeNames(at: "/results/swift/a_scale") == ["scale_pow2"])
            expectFixtureError(.outOfRange("attribute 'unsigned' does not fit an Int"),
                               file: path, path: "/") {
                _ = try read.integerAttribute("unsigned")
            }
        }
    }

    @Test("groups, members and existence")
    func groups() throws {
        try withTemporaryFolder { folder in
            let path = folder + "/groups.h5"
            let file = try HDF5File(creating: path)
            try file.createGroup("/results/torch/deep")
            try file.createGroup("/results/torch")  // exists: nothing to do
            try file.createGroup("/")
            try file.write([Int32(0), 5, 9], shape: [3], to: "/inputs/offsets")
            try file.createGroup("/résumé")
            #expect(try file.exists("/results/torch/deep"))
            try file.commit()

            let read = try HDF5File(reading: path)
            #expect(try read.members() == ["inputs", "results", "résumé"])
            #expect(try read.members(of: "/results/torch") == ["deep"])
            #expect(try read.members(of: "/results/torch/deep") == [])
            #expect(try read.exists("/inputs/offsets"))
            #expect(try read.exists("inputs/offsets/"))
            #expect(try read.exists("/"))
            #expect(try !read.exists("/inputs/grad_out"))
            #expect(try !read.exists("/nothing/here/at/all"))
            #expect(try !read.exists("/inputs/offsets/below"))
            #expect(try read.objectKind(at: "/inputs") == .group)
            #expect(try read.objectKind(at: "/inputs/offsets") == .dataset)
            #expect(try read.objectKind(at: "/inputs/b") == nil)
        }
    }
}

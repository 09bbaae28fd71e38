import Generate
import HDF5
import Foundation
import Recipes
import Schema
import Verify

/// A fresh temporary directory per test.
func temporaryDirectory() -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("fp8moe-verify-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Writes a generated fixture with reference results and returns its path and inputs.
func makeFixture(_ config: GeneratorConfig, in dir: URL, name: String = "f.h5") throws -> (String, FixtureInputs) {
    let path = dir.appendingPathComponent(name).path
    let inputs = FixtureGenerator.inputs(config)
    let file = try HDF5File(creating: path)
    try FixtureWriter.writeInputs(inputs, to: file, description: "test")
    for r in config.recipes { _ = try FixtureWriter.writeReference(inputs, recipe: r, gemm: config.withGEMM, to: file) }
    try file.commit()
    return (path, inputs)
}

/// Adds `/results/<producer>` with the given datasets (name -> values) and attributes.
func addProducer(_ path: String, _ producer: String, attributes: [String: String],
                 codes: [String: ([UInt8], [Int])] = [:], scales: [String: ([Float], [Int])] = [:],
                 bf16: [String: ([UInt16], [Int])] = [:], datasetAttributes: [String: [String: String]] = [:]) throws {
    let file = try HDF5File(updating: path)
    let group = "/results/\(producer)"
    try file.createGroup(group)
    for (k, v) in attributes { try file.setAttribute(k, v, at: group) }
    for (name, (v, s)) in codes { try file.write(v, shape: s, to: "\(group)/\(name)") }
    for (name, (v, s)) in scales { try file.write(v, shape: s, to: "\(group)/\(name)") }
    for (name, (v, s)) in bf16 {
        try file.write(v, shape: s, to: "\(group)/\(name)")
        try file.setAttribute("dtype", "bfloat16", at: "\(group)/\(name)")
    }
    for (name, attrs) in datasetAttributes { for (k, v) in attrs { try file.setAttribute(k, v, at: "\(group)/\(name)") } }
    try file.commit()
}

/// Reads a dataset of the reference group.
func reference<T: HDF5Element>(_ path: String, _ recipe: String, _ name: String, as: T.Type) throws -> HDF5Array<T> {
    let file = try HDF5File(reading: path)
    defer { file.close() }
    return try file.readArray("/results/reference-\(recipe)/\(name)", as: T.self)
}

let rowwiseAttributes = Recipe.rowwise.attributes.mapValues(\.text).merging(["producer": "test"]) { a, _ in a }

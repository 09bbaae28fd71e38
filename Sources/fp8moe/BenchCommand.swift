import ArgumentParser
import Dispatch
import FP8
import Foundation

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Throughput benchmarks, each beside a peer run in the same command.",
        subcommands: [BenchConvertCommand.self, BenchGEMMCommand.self, BenchQuantizeCommand.self])
}

/// Conversion throughput of the fast path against ml_dtypes' numpy cast, run side by side.
struct BenchConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "fp32/bf16 -> fp8 conversion in Melem/s, one core and all cores, beside ml_dtypes (python3).")

    @Option(help: "Elements per run.") var elements: Int = 1 << 25
    @Option(help: "Timed repetitions (the best is reported).") var repeats: Int = 5
    @Option(help: "fp8 format.") var format: String = "e4m3fn"
    @Flag(help: "Skip the ml_dtypes peer.") var noPeer = false

    func run() throws {
        try exitingOnBadInput {
            let f = try parseFormat(format)
            let converter = FP8Converter(format: f, policy: .nosatMLDtypes)
            // Normal(0, 1) data, as activations look, from a fixed seed.
            var state: UInt64 = 0x5EED
            func uniform() -> Double {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return (Double(state >> 11) + 0.5) * 0x1p-53
            }
            var f32 = [UInt32](repeating: 0, count: elements)
            for i in 0..<elements {
                let z = (-2 * log(uniform())).squareRoot() * cos(2 * .pi * uniform())
                f32[i] = Float(z).bitPattern
            }
            let bf16 = f32.map { UInt16(BinaryFormat.bf16.roundToNearestEven(BinaryFormat.f32.decode($0))) }
            var out = [UInt8](repeating: 0, count: elements)
            let cores = ProcessInfo.processInfo.activeProcessorCount

            func best(_ body: () -> Void) -> Double {
                var best = Double.infinity
                for _ in 0..<repeats {
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    body()
                    best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
                }
                return Double(elements) / best / 1e6
            }
            let f32One = f32.withUnsafeBufferPointer { src in out.withUnsafeMutableBufferPointer { dst in
                best { converter.convert(f32Bits: src, into: dst) } } }
            let bf16One = bf16.withUnsafeBufferPointer { src in out.withUnsafeMutableBufferPointer { dst in
                best { converter.convert(bf16Bits: src, into: dst) } } }
            let f32All = f32.withUnsafeBufferPointer { src in out.withUnsafeMutableBufferPointer { dst in
                best { converter.convertConcurrently(f32Bits: src, into: dst) } } }

            var peer: [String: Double] = [:]
            if !noPeer { peer = try runMLDtypesPeer(format: f) }
            let machine = "\(cores) cores, \(ProcessInfo.processInfo.hostName)"
            print("# fp8moe bench convert: \(elements) normal(0,1) elements -> \(f.name), best of \(repeats); \(machine)")
            print("path\tfp8moe Melem/s\tml_dtypes Melem/s\tratio")
            for (name, ours, key) in [("f32, 1 core", f32One, "f32"), ("bf16, 1 core", bf16One, "bf16"),
                                      ("f32, \(cores) cores", f32All, "f32")] {
                let theirs = peer[key]
                let ratio = theirs.map { String(format: "%.1fx", ours / $0) } ?? "-"
                print("\(name)\t\(String(format: "%.0f", ours))\t\(theirs.map { String(format: "%.0f", $0) } ?? "-")\t\(ratio)")
            }
        }
    }

    /// Times ml_dtypes' `astype` on the same number of normal(0,1) elements (single-threaded numpy).
    private func runMLDtypesPeer(format: FP8Format) throws -> [String: Double] {
        let script = """
            import time, numpy as np, ml_dtypes
            n = \(elements); t = ml_dtypes.\(format.dtypeName)
            x = np.random.default_rng(1).standard_normal(n).astype(np.float32)
            xb = x.astype(ml_dtypes.bfloat16)
            def best(a):
                b = float('inf')
                for _ in range(\(repeats)):
                    t0 = time.perf_counter(); a.astype(t); b = min(b, time.perf_counter() - t0)
                return n / b / 1e6
            print('f32', best(x)); print('bf16', best(xb))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw InputError("bench: the ml_dtypes peer failed (python3 with numpy and ml_dtypes needed; --no-peer skips it)")
        }
        var result: [String: Double] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let v = Double(parts[1]) { result[String(parts[0])] = v }
        }
        return result
    }
}

import ArgumentParser
import Dispatch
import FP8
import Foundation
import Recipes

/// Tensorwise quantization throughput (amax -> scale -> multiply -> clamp -> cast, SPEC
/// section 3) of the Recipes module beside a numpy + ml_dtypes implementation of the same recipe,
/// run side by side on the same data; checks that both give the same codes and scale.
struct BenchQuantizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quantize",
        abstract: "Tensorwise bf16 -> fp8 quantization in Melem/s, one core and all cores, beside numpy + ml_dtypes (python3).",
        discussion: """
            The recipe is the `tensorwise` preset (amax with NaN -> 0 and Inf -> bf16 max, scale \
            fp8_max / max(amax, 1e-12) in fp64 rounded to fp32 then down to a power of two, fp32 \
            multiply, clamp, cast; NaN products canonical +NaN). Data: normal(0,1) bf16 from a fixed seed.
            """)

    @Option(help: "Rows of the [rows, columns] tensor.") var rows: Int = 16384
    @Option(help: "Columns of the tensor.") var columns: Int = 2048
    @Option(help: "Timed repetitions (the best is reported).") var repeats: Int = 5
    @Option(help: "fp8 format (e4m3fn, e5m2, e4m3fnuz, e5m2fnuz).") var format: String = "e4m3fn"
    @Flag(help: "Skip the numpy + ml_dtypes peer.") var noPeer = false

    func run() throws {
        try exitingOnBadInput {
            guard rows > 0, columns > 0, repeats > 0 else { throw InputError("--rows, --columns and --repeats must be positive") }
            guard let f = FP8Format(named: format), f != .e8m0fnu else { throw InputError("unknown payload format '\(format)'") }
            var recipe = Recipe.tensorwise
            recipe.format = f
            let quantizer = Quantizer(recipe: recipe)
            let count = rows * columns
            let shape = [rows, columns]

            var rng = BenchRandom(seed: 0x5EED)
            func uniform() -> Double { (Double(rng.next()) + 0.5) * 0x1p-32 }
            var bits = [UInt16](repeating: 0, count: count)
            for i in 0..<count {
                let z = (-2 * log(uniform())).squareRoot() * cos(2 * .pi * uniform())
                bits[i] = UInt16(BinaryFormat.bf16.roundToNearestEven(z))
            }

            func best(_ body: () throws -> Void) rethrows -> Double {
                var best = Double.infinity
                for _ in 0..<repeats {
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    try body()
                    best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
                }
                return Double(count) / best / 1e6
            }
            var result: QuantizedTensor?
            let one = try best {
                result = try quantizer.quantize(bits, shape: shape, reduction: .tensorwise, concurrently: false)
            }
            let all = try best {
                result = try quantizer.quantize(bits, shape: shape, reduction: .tensorwise, concurrently: true)
            }
            let q = result!
            let cores = ProcessInfo.processInfo.activeProcessorCount

            var peer: Peer?
            if !noPeer { peer = try runPeer(bits, format: f) }
            print("# fp8moe bench quantize: tensorwise \(f.name), \(rows) x \(columns) normal(0,1) bf16 "
                  + "(\(count) elements), best of \(repeats); \(cores) cores")
            print("path\tfp8moe Melem/s\tnumpy+ml_dtypes Melem/s\tratio")
            for (name, ours) in [("1 core", one), ("\(cores) cores", all)] {
                let ratio = peer.map { String(format: "%.1fx", ours / $0.rate) } ?? "-"
                print("\(name)\t\(String(format: "%.0f", ours))\t\(peer.map { String(format: "%.0f", $0.rate) } ?? "-")\t\(ratio)")
            }
            let scaleText = String(format: "%a", Double(q.scales[0]))
            if let peer {
                let differing = zip(q.codes, peer.codes).reduce(0) { $0 + ($1.0 == $1.1 ? 0 : 1) }
                    + abs(q.codes.count - peer.codes.count)
                let sameScale = peer.scale.bitPattern == q.scales[0].bitPattern
                print("identical codes: \(differing == 0 ? "yes" : "NO"), \(count - differing) of \(count) equal; "
                      + "scale \(scaleText) (numpy \(String(format: "%a", Double(peer.scale)))\(sameScale ? ", equal" : ", DIFFERENT"))")
                if differing != 0 || !sameScale { throw ExitCode(1) }
            } else {
                print("scale \(scaleText)")
            }
        }
    }

    struct Peer {
        let rate: Double
        let codes: [UInt8]
        let scale: Float
    }

    /// The same recipe in numpy + ml_dtypes (single-threaded), timed on the same bf16 bits
    /// (handed over in a temporary file); returns its rate, codes and scale.
    private func runPeer(_ bits: [UInt16], format: FP8Format) throws -> Peer {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fp8moe-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = folder.appendingPathComponent("x.bf16").path
        let output = folder.appendingPathComponent("codes.u8").path
        try bits.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: input)) }
        let script = """
            import sys, time, numpy as np, ml_dtypes
            bits = np.fromfile(sys.argv[1], dtype=np.uint16)
            fp8, fp8_max = ml_dtypes.\(format.dtypeName), np.float32(\(format.maxFinite))
            bf16_max = float(np.array(0x7F7F, np.uint16).view(ml_dtypes.bfloat16))
            def quantize(bits):
                x = bits.view(ml_dtypes.bfloat16).astype(np.float32)
                # amax over nan_to_num(x): NaN -> 0, +-Inf -> +-bf16 max
                amax = float(np.max(np.abs(np.nan_to_num(x, nan=0.0, posinf=bf16_max, neginf=-bf16_max))))
                scale = np.float32(float(fp8_max) / max(amax, 1e-12))        # fp64, then fp32
                scale = np.exp2(np.floor(np.log2(scale)))                     # power of two, in fp32
                y = x * scale                                                 # one fp32 multiply
                np.abs(y, out=y, where=np.isnan(y))                           # canonical (+) NaN
                np.clip(y, -fp8_max, fp8_max, out=y)
                return y.astype(fp8).view(np.uint8), scale
            best = float('inf')
            for _ in range(\(repeats)):
                t0 = time.perf_counter(); codes, scale = quantize(bits); best = min(best, time.perf_counter() - t0)
            codes.tofile(sys.argv[2])
            print('rate', bits.size / best / 1e6)
            print('scale', np.float32(scale).view(np.uint32))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, input, output]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        var values: [String: Double] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let v = Double(parts[1]) { values[String(parts[0])] = v }
        }
        guard process.terminationStatus == 0, let rate = values["rate"], let scale = values["scale"],
              let codes = FileManager.default.contents(atPath: output) else {
            throw InputError("bench: the numpy + ml_dtypes peer failed (python3 with numpy and ml_dtypes needed; --no-peer skips it)")
        }
        return Peer(rate: rate, codes: [UInt8](codes), scale: Float(bitPattern: UInt32(scale)))
    }
}

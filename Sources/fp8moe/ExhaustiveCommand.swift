import ArgumentParser
import Dispatch
import FP8
import Foundation
import Synchronization
import Verify

struct ExhaustiveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exhaustive",
        abstract: "Fast path against the naive oracle over all 2^32 fp32 inputs, on every core.")

    @Option(help: "fp8 format, or 'all'.") var format: String
    @Option(help: "Conversion policy, or 'all' (the oracle's work is shared across policies).") var policy: String
    @Option(help: "Check only the first N inputs (for a quick run).") var limit: UInt64?

    func run() throws {
        try exitingOnBadInput {
            let formats = format == "all" ? FP8Format.all : [try parseFormat(format)]
            let policies = policy == "all" ? ConversionPolicy.all : [try parsePolicy(policy)]
            let upper = min(0xFFFF_FFFF, (limit ?? (1 << 32)) - 1)
            var failed = false
            for f in formats {
                let check = ExhaustiveCheck(format: f, policies: policies)
                let started = DispatchTime.now()
                let bar = ProgressBar(total: upper + 1, label: f.name)
                let result = check.run(range: 0...upper, chunk: 1 << 20) { done in bar.update(done) }
                bar.finish()
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
                for p in policies {
                    let n = result.mismatches[p.name] ?? 0
                    failed = failed || n > 0
                    print("\(f.name)\t\(p.name)\tinputs \(result.checked)\tmismatches \(n)\tseconds \(String(format: "%.1f", seconds))\tcores \(ProcessInfo.processInfo.activeProcessorCount)")
                }
                for m in result.examples {
                    print("  \(m.policy) f32 \(hex(m.input, width: 8)): oracle \(hex(m.expected, width: 2)) fast \(hex(m.actual, width: 2))")
                }
            }
            if failed { throw ExitCode(1) }
        }
    }
}

/// A progress bar on stderr, redrawn when the percentage changes; safe to call from any thread.
final class ProgressBar: Sendable {
    let total: UInt64
    let label: String
    let lastPercent = Mutex(-1)
    let started = DispatchTime.now()

    init(total: UInt64, label: String) {
        self.total = total
        self.label = label
    }

    func update(_ done: UInt64) {
        let percent = Int(done * 100 / max(total, 1))
        let changed = lastPercent.withLock { last in
            if percent == last { return false }
            last = percent
            return true
        }
        guard changed else { return }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
        let width = 40
        let filled = percent * width / 100
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        writeStandardError("\r\(label) [\(bar)] \(percent)% \(String(format: "%.0f", elapsed)) s")
    }

    func finish() { writeStandardError("\n") }
}

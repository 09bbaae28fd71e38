import Foundation
import Metrics
import Verify

/// `report.md`: the same content as `index.html` as Markdown tables (no plots).
public enum MarkdownReport {
    public static func render(_ reports: [FixtureReport], title: String = "fp8moe report", generated: String) -> String {
        var out = "# \(title)\n\n\(generated)\n\n| fixture | verdict | mismatching datasets (first causes) |\n|---|---|---|\n"
        for r in reports {
            let bad = MismatchDigest.lines(r.verify).map { line in
                "\(line.producer): " + line.datasets.map { "`\($0)`" }.joined(separator: ", ") + " (\(line.causes.joined(separator: "; ")))"
            }
            out += "| \(r.name) | \(r.verdict) | \(bad.isEmpty ? (r.invalid ?? "none") : bad.joined(separator: "; ")) |\n"
        }
        for r in reports {
            out += "\n## \(r.name): \(r.verdict)\n\n`\(r.file)`\n\n"
            if let why = r.invalid { out += "Invalid fixture: \(why)\n"; continue }
            if let v = r.verify {
                out += "| producer | dataset | status | mismatches / elements | max ulp | accum bits | first mismatch | expected -> actual | cause |\n"
                out += "|---|---|---|---:|---:|---:|---|---|---|\n"
                for (p, pr) in v.producers.sorted(by: { $0.key < $1.key }) {
                    if pr.datasets.isEmpty {
                        out += "| \(p) | | | | | | \(pr.attributes["skipped"].map { "skipped by the producer: \($0)" } ?? "no result datasets") | | |\n"
                    }
                    for (d, s) in pr.datasets.sorted(by: { $0.key < $1.key }) {
                        if let skipped = s.skipped { out += "| \(p) | `\(d)` | skipped | | | | \(skipped) | | |\n"; continue }
                        out += "| \(p) | `\(d)` | \(s.mismatches == 0 ? "ok" : "**MISMATCH**") | \(s.mismatches) / \(s.elements) |"
                        out += " \(s.maxUlp.map { Fmt.ulps($0) } ?? "") | \(s.accumBits.map { String(format: "%.1f", $0) } ?? "") |"
                        if let m = s.firstMismatch {
                            out += " \(m.coordinates)\(m.group.map { " group \($0)" } ?? "") | `\(m.expected)` -> `\(m.actual)` | \(m.cause ?? "no cause recognised") |\n"
                        } else { out += " | | |\n" }
                    }
                }
            }
            for (p, pr) in (r.verify?.producers ?? [:]).sorted(by: { $0.key < $1.key }) {
                for (d, s) in pr.datasets.sorted(by: { $0.key < $1.key }) where s.mismatches > 0 {
                    out += "\nCauses of `\(p)` / `\(d)`"
                    if let g = s.byGroup { out += " (by group: \(g.map(String.init).joined(separator: " ")))" }
                    out += ":\n\n| count | cause | first example |\n|---:|---|---|\n"
                    for c in s.causes ?? [] {
                        let ex = c.examples.first.map { "\($0.coordinates) `\($0.expected)` -> `\($0.actual)`" } ?? ""
                        out += "| \(c.count) | \(c.cause) | \(ex) |\n"
                    }
                }
            }
            if !r.producerUlp.isEmpty {
                out += "\nGEMM outputs against the exact reference (share within 0.5 / 1 bf16 ulp of E, max):\n\n"
                out += "| producer | output | <=0.5 ulp | <=1 ulp | max ulp | non-finite |\n|---|---|---:|---:|---:|---:|\n"
                for (p, hs) in r.producerUlp.sorted(by: { $0.key < $1.key }) {
                    for (k, u) in hs.sorted(by: { $0.key < $1.key }) {
                        out += "| \(p) | `\(k)` | \(Fmt.percent(u.fractionWithin(0.5))) | \(Fmt.percent(u.fractionWithin(1))) | \(Fmt.ulps(u.maxULP)) | \(u.nonFinite) |\n"
                    }
                }
            }
            if let c = r.comparison {
                out += "\nRecipes against the fp64 ideal (`fp8moe compare`):\n\n" + ComparisonMarkdown.summary(c) + "\n"
                for name in c.tensorNames {
                    out += "`\(name)`:\n\n" + ComparisonMarkdown.tensorTable(c, name) + "\n"
                }
                for rc in c.recipes where !rc.notes.isEmpty {
                    out += "Not measured under `\(rc.label)`: " + rc.notes.joined(separator: "; ") + "\n\n"
                }
                out += ComparisonMarkdown.blastRadius(c, image: nil).replacingOccurrences(of: "## What", with: "#### What")
            } else if let why = r.comparisonSkipped { out += "\nCompare skipped: \(why)\n" }
        }
        return out
    }
}

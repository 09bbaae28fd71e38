import Foundation
import Metrics
import Report
import Testing
import Verify

@Suite struct ReportTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func fixture(_ path: String) -> String { root.appendingPathComponent(path).path }

    @Test func plantedDefectsAreNamedInEveryFormat() throws {
        let path = Self.fixture("fixtures/verify-cases/peer-mismatches.h5")
        let r = try ReportBuilder().build(path)
        #expect(r.verdict == "mismatch")
        let causes = (r.verify?.producers ?? [:]).values.flatMap { $0.datasets.values.compactMap { $0.firstMismatch?.cause } }
        #expect(!causes.isEmpty)
        let html = HTMLReport.render([r], generated: "test")
        let md = MarkdownReport.render([r], generated: "test")
        for cause in causes {
            #expect(html.contains(cause.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")), "\(cause)")
            #expect(md.contains(cause), "\(cause)")
        }
    }

    @Test func htmlIsSelfContained() throws {
        let r = try ReportBuilder().build(Self.fixture("fixtures/reference/small-balanced.h5"))
        #expect(r.verdict == "agree")
        let c = try #require(r.comparison)
        // The fixture's own rowwise and tensorwise, then the block-scaled recipes (issue 11).
        #expect(c.recipes.map(\.label) == ["rowwise", "tensorwise", "mxfp8-floor", "mxfp8-rceil", "mxfp8-ceil", "mxfp8-even", "blockwise"])
        #expect(c.recipes.allSatisfy { $0.blastRadius?.count == 4 })
        #expect(Set(c.tensorNames) == ["a", "b", "grad_out", "out", "grad_a", "grad_b"])
        let html = HTMLReport.render([r], generated: "test")
        #expect(!html.lowercased().contains("<script"))
        #expect(!html.contains("src="))
        let links = html.components(separatedBy: "http").count - 1
        let svgNamespaces = html.components(separatedBy: "xmlns=\"http://www.w3.org/2000/svg\"").count - 1
        #expect(links == svgNamespaces, "only SVG namespace URIs, no network references")
        #expect(html.contains("<svg"))
        #expect(html.contains("What one NaN or one +Inf does"))
    }

    /// Plumbing, not evidence: the reference producers' GEMM outputs judged against the exact
    /// reference they were written by, so every histogram must sit within half an ulp; this checks
    /// that verify's histograms reach the report, not that any kernel is right.
    @Test func plumbingReferenceGEMMHistogramsReachTheReport() throws {
        let r = try ReportBuilder().build(Self.fixture("fixtures/reference/small-balanced.h5"))
        #expect(!r.producerUlp.isEmpty)
        for (_, hs) in r.producerUlp { for (_, u) in hs { #expect(u.fractionWithin(0.5) == 1) } }
    }

    @Test func summaryIsDeterministicJSON() throws {
        let paths = [Self.fixture("fixtures/reference/small-balanced.h5")]
        let one = try ReportSummary.json(paths.map { try ReportBuilder().build($0) })
        let two = try ReportSummary.json(paths.map { try ReportBuilder().build($0) })
        #expect(one == two)
        let object = try JSONSerialization.jsonObject(with: one) as? [String: Any]
        #expect((object?["fixtures"] as? [Any])?.count == 1)
    }

    @Test func invalidFixtureIsReportedNotThrown() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fp8moe-report-\(UUID().uuidString).h5").path
        try Data("not hdf5".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let r = try ReportBuilder().build(path)
        #expect(r.verdict == "invalid" && r.invalid != nil)
        #expect(HTMLReport.render([r], generated: "test").contains("invalid"))
    }
}

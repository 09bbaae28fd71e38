import Foundation
import Verify
import Metrics

extension ReportBuilder {
    /// A fixture judged where its data is (too large to carry here, such as the full-scale study
    /// on the GPU machine, reports/fullscale/): the report shows its verify JSON summary
    /// (`fp8moe verify --json`) as it shows a fixture's own verify results, without compare.
    public func build(verifySummary path: String) -> FixtureReport {
        progress("\(path): verify summary (judged elsewhere)")
        var r = FixtureReport(file: path, verdict: "invalid", producerUlp: [:])
        do {
            let verify = try JSONCoding.decoder(snakeCase: true).decode(VerifyReport.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
            r.verify = verify
            r.verdict = verify.status
            r.comparisonSkipped = "judged where the data is; this report has its verify summary only (\(verify.file))"
        } catch {
            r.invalid = "\(path): not a verify JSON summary: \(error.localizedDescription)"
        }
        return r
    }
}

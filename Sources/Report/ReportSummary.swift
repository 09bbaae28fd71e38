import Foundation
import Metrics

/// `summary.json`: one entry per fixture (verify's summary, the producers' GEMM ULP histograms,
/// the comparison), snake_case keys, sorted; `"inf"` for an exact SQNR.
public enum ReportSummary {
    public static func json(_ reports: [FixtureReport]) throws -> Data {
        try JSONCoding.encoder(snakeCase: true).encode(["fixtures": reports])
    }
}

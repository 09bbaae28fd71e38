import Foundation
import Verify

/// Small inline SVG charts (no scripts, no external resources), sized for a laptop screen.
enum SVG {
    static let palette = ["#2b6cb0", "#dd6b20", "#2f855a", "#b83280", "#6b46c1", "#c53030", "#b7791f", "#319795"]

    static func esc(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func n(_ x: Double) -> String { String(format: "%.1f", x) }

    /// "Nice" tick values covering `lo...hi`.
    static func ticks(_ lo: Double, _ hi: Double, count: Int = 5) -> [Double] {
        let span = max(hi - lo, 1e-9)
        let raw = span / Double(count)
        let mag = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? 10 * mag
        var t = (lo / step).rounded(.down) * step
        var out: [Double] = [t]
        while t < hi - step * 1e-9 { t += step; out.append(t) }  // the last tick is >= hi
        return out
    }

    static func legend(_ labels: [String], x: Double, y: Double) -> String {
        var out = ""
        var cx = x
        for (i, l) in labels.enumerated() {
            out += "<rect x=\"\(n(cx))\" y=\"\(n(y - 9))\" width=\"10\" height=\"10\" fill=\"\(palette[i % palette.count])\"/>"
            out += "<text x=\"\(n(cx + 14))\" y=\"\(n(y))\" font-size=\"11\">\(esc(l))</text>"
            cx += 24 + Double(l.count) * 6.5
        }
        return out
    }

    /// Grouped vertical bars: one cluster per category, one bar per series. nil values leave a
    /// gap; infinite values are drawn at the top with a label "exact".
    static func groupedBars(categories: [String], series: [(label: String, values: [Double?])], yLabel: String,
                            width: Double = 560, height: Double = 220) -> String {
        let finite = series.flatMap { $0.values.compactMap { $0 } }.filter(\.isFinite)
        guard !finite.isEmpty else { return "<p class=\"muted\">no finite values</p>" }
        let lo = min(0, finite.min()!), hi = max(finite.max()!, lo + 1)
        let t = ticks(lo, hi)
        let (y0, y1) = (t.first!, t.last!)
        let (left, right, top, bottom) = (48.0, 8.0, 22.0, 30.0)
        let plotW = width - left - right, plotH = height - top - bottom
        func y(_ v: Double) -> Double { top + plotH * (1 - (v - y0) / (y1 - y0)) }
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(n(width))\" height=\"\(n(height))\" viewBox=\"0 0 \(n(width)) \(n(height))\" font-family=\"system-ui, sans-serif\">"
        for v in t {
            out += "<line x1=\"\(n(left))\" x2=\"\(n(width - right))\" y1=\"\(n(y(v)))\" y2=\"\(n(y(v)))\" stroke=\"#e2e8f0\"/>"
            out += "<text x=\"\(n(left - 4))\" y=\"\(n(y(v) + 4))\" font-size=\"10\" text-anchor=\"end\">\(String(format: "%g", v))</text>"
        }
        out += "<text x=\"10\" y=\"\(n(top + plotH / 2))\" font-size=\"10\" transform=\"rotate(-90 10 \(n(top + plotH / 2)))\" text-anchor=\"middle\">\(esc(yLabel))</text>"
        let cw = plotW / Double(max(categories.count, 1))
        let bw = min(28, (cw - 6) / Double(max(series.count, 1)))
        for (c, cat) in categories.enumerated() {
            let cx = left + cw * Double(c) + (cw - bw * Double(series.count)) / 2
            for (s, ser) in series.enumerated() {
                guard c < ser.values.count, let v = ser.values[c] else {
                    let x = cx + bw * Double(s) + bw / 2
                    out += "<text x=\"\(n(x))\" y=\"\(n(y(max(0, y0)) - 3))\" font-size=\"8\" text-anchor=\"middle\" fill=\"#718096\">n/a</text>"
                    continue
                }
                let vv = v.isFinite ? v : y1
                let (ya, yb) = (y(max(vv, y0)), y(max(0, y0)))
                let x = cx + bw * Double(s)
                out += "<rect x=\"\(n(x))\" y=\"\(n(min(ya, yb)))\" width=\"\(n(bw - 1))\" height=\"\(n(abs(yb - ya)))\" fill=\"\(palette[s % palette.count])\"><title>\(esc(ser.label)) \(esc(cat)): \(Fmt.db(v))</title></rect>"
                if !v.isFinite { out += "<text x=\"\(n(x + bw / 2))\" y=\"\(n(ya - 2))\" font-size=\"9\" text-anchor=\"middle\">exact</text>" }
            }
            out += "<text x=\"\(n(left + cw * (Double(c) + 0.5)))\" y=\"\(n(height - bottom + 14))\" font-size=\"10\" text-anchor=\"middle\">\(esc(cat))</text>"
        }
        out += legend(series.map(\.label), x: left, y: 13)
        return out + "</svg>"
    }

    /// Token SQNR distributions as horizontal ranges: a line from min to median, a dot at p1,
    /// a tick at the median; one row per (tensor, recipe).
    static func ranges(_ rows: [(label: String, series: Int, min: Double, p1: Double, median: Double)],
                       width: Double = 560) -> String {
        let values = rows.flatMap { [$0.min, $0.p1, $0.median] }.filter(\.isFinite)
        guard !values.isEmpty else { return "<p class=\"muted\">no token rows</p>" }
        let t = ticks(min(0, values.min()!), values.max()!)
        let (x0, x1) = (t.first!, t.last!)
        let (left, right, top) = (120.0, 12.0, 8.0)
        let rowH = 16.0
        let height = top + rowH * Double(rows.count) + 28
        func x(_ v: Double) -> Double { left + (width - left - right) * (min(max(v, x0), x1) - x0) / (x1 - x0) }
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(n(width))\" height=\"\(n(height))\" viewBox=\"0 0 \(n(width)) \(n(height))\" font-family=\"system-ui, sans-serif\">"
        let axisY = top + rowH * Double(rows.count) + 4
        for v in t {
            out += "<line x1=\"\(n(x(v)))\" x2=\"\(n(x(v)))\" y1=\"\(n(top))\" y2=\"\(n(axisY))\" stroke=\"#e2e8f0\"/>"
            out += "<text x=\"\(n(x(v)))\" y=\"\(n(axisY + 12))\" font-size=\"10\" text-anchor=\"middle\">\(String(format: "%g", v))</text>"
        }
        out += "<text x=\"\(n(left + (width - left - right) / 2))\" y=\"\(n(axisY + 24))\" font-size=\"10\" text-anchor=\"middle\">token SQNR (dB): worst token to median, dot = 1st percentile</text>"
        for (i, r) in rows.enumerated() {
            let yc = top + rowH * (Double(i) + 0.5)
            let color = palette[r.series % palette.count]
            out += "<text x=\"\(n(left - 6))\" y=\"\(n(yc + 4))\" font-size=\"10\" text-anchor=\"end\">\(esc(r.label))</text>"
            out += "<line x1=\"\(n(x(r.min)))\" x2=\"\(n(x(r.median)))\" y1=\"\(n(yc))\" y2=\"\(n(yc))\" stroke=\"\(color)\" stroke-width=\"4\"><title>\(esc(r.label)): min \(Fmt.db(r.min)), p1 \(Fmt.db(r.p1)), median \(Fmt.db(r.median))</title></line>"
            out += "<circle cx=\"\(n(x(r.p1)))\" cy=\"\(n(yc))\" r=\"4\" fill=\"white\" stroke=\"\(color)\" stroke-width=\"2\"/>"
            out += "<line x1=\"\(n(x(r.median)))\" x2=\"\(n(x(r.median)))\" y1=\"\(n(yc - 6))\" y2=\"\(n(yc + 6))\" stroke=\"#1a202c\" stroke-width=\"2\"/>"
        }
        return out + "</svg>"
    }

    /// A histogram with a log10 count axis (counts of 0 draw nothing); several series side by side.
    static func histogram(labels: [String], series: [(label: String, counts: [Int])], xLabel: String,
                          width: Double = 560, height: Double = 180) -> String {
        let maxCount = series.flatMap(\.counts).max() ?? 0
        guard maxCount > 0 else { return "<p class=\"muted\">no elements</p>" }
        let top = ceil(log10(Double(maxCount)) + 1e-9)
        let (left, right, topPad, bottom) = (40.0, 8.0, 22.0, 42.0)
        let plotW = width - left - right, plotH = height - topPad - bottom
        func y(_ c: Int) -> Double { topPad + plotH * (1 - (c > 0 ? (log10(Double(c)) + 0.3) / (top + 0.3) : 0)) }
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(n(width))\" height=\"\(n(height))\" viewBox=\"0 0 \(n(width)) \(n(height))\" font-family=\"system-ui, sans-serif\">"
        for e in 0...Int(top) {
            let c = Int(pow(10, Double(e)))
            out += "<line x1=\"\(n(left))\" x2=\"\(n(width - right))\" y1=\"\(n(y(c)))\" y2=\"\(n(y(c)))\" stroke=\"#e2e8f0\"/>"
            out += "<text x=\"\(n(left - 4))\" y=\"\(n(y(c) + 4))\" font-size=\"9\" text-anchor=\"end\">1e\(e)</text>"
        }
        let cw = plotW / Double(max(labels.count, 1))
        let bw = (cw - 2) / Double(max(series.count, 1))
        for (i, label) in labels.enumerated() {
            for (s, ser) in series.enumerated() where i < ser.counts.count && ser.counts[i] > 0 {
                let x = left + cw * Double(i) + 1 + bw * Double(s)
                let yy = y(ser.counts[i])
                out += "<rect x=\"\(n(x))\" y=\"\(n(yy))\" width=\"\(n(max(bw - 0.5, 0.5)))\" height=\"\(n(topPad + plotH - yy))\" fill=\"\(palette[s % palette.count])\"><title>\(esc(ser.label)) \(esc(label)): \(ser.counts[i])</title></rect>"
            }
            if i % 2 == 0 || labels.count <= 10 {
                let lx = left + cw * (Double(i) + 0.5), ly = topPad + plotH + 10
                out += "<text x=\"\(n(lx))\" y=\"\(n(ly))\" font-size=\"9\" text-anchor=\"end\" transform=\"rotate(-35 \(n(lx)) \(n(ly)))\">\(esc(label))</text>"
            }
        }
        out += "<text x=\"\(n(width - right))\" y=\"\(n(height - 2))\" font-size=\"10\" text-anchor=\"end\">\(esc(xLabel))</text>"
        out += legend(series.map(\.label), x: left, y: 13)
        return out + "</svg>"
    }

    /// One strip per dataset: mismatch density along the rows (darker = more mismatches in that
    /// band of rows), group boundaries as red ticks.
    static func strip(_ d: RowDensity, label: String, width: Double = 640, height: Double = 30) -> String {
        let (left, top, h) = (0.0, 14.0, height - 16)
        let rows = Double(max(d.rows, 1))
        let most = Double(d.counts.max() ?? 0)
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(n(width))\" height=\"\(n(height))\" viewBox=\"0 0 \(n(width)) \(n(height))\" font-family=\"system-ui, sans-serif\">"
        out += "<text x=\"0\" y=\"10\" font-size=\"10\">\(esc(label)) <tspan fill=\"#718096\">(rows 0..\(d.rows - 1), \(d.rowsPerBand) per band)</tspan></text>"
        out += "<rect x=\"\(n(left))\" y=\"\(n(top))\" width=\"\(n(width))\" height=\"\(n(h))\" fill=\"#f7fafc\" stroke=\"#cbd5e0\"/>"
        for (b, c) in d.counts.enumerated() where c > 0 {
            let x0 = Double(b * d.rowsPerBand) / rows * width
            let w = max(Double(d.rowsPerBand) / rows * width, 1)
            let shade = 0.25 + 0.75 * Double(c) / max(most, 1)
            out += "<rect x=\"\(n(x0))\" y=\"\(n(top))\" width=\"\(n(w))\" height=\"\(n(h))\" fill=\"#2b6cb0\" fill-opacity=\"\(String(format: "%.2f", shade))\"><title>rows \(b * d.rowsPerBand)..\(min(d.rows, (b + 1) * d.rowsPerBand) - 1): \(c) mismatches</title></rect>"
        }
        for r in d.boundaries {
            let x = Double(r) / rows * width
            out += "<line x1=\"\(n(x))\" x2=\"\(n(x))\" y1=\"\(n(top - 3))\" y2=\"\(n(top + h))\" stroke=\"#c53030\" stroke-width=\"1\"><title>group boundary at row \(r)</title></line>"
        }
        return out + "</svg>"
    }
}

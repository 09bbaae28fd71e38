// Module fp8moe: the command-line tool, one file per verb (convert, table, golden,
// exhaustive, bench, generate, verify, compare, report), turning arguments into calls of the
// modules above and errors into exit statuses (InvalidFixture: 2). A new verb is a
// ParsableCommand here, listed in `subcommands`.

import ArgumentParser

@main
struct FP8MoE: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fp8moe",
        abstract: "A bit-exact FP8 emulator and judge for FP8 Mixture-of-Experts training.",
        subcommands: [ConvertCommand.self, TableCommand.self, GoldenCommand.self, ExhaustiveCommand.self, BenchCommand.self, GenerateCommand.self, VerifyCommand.self, CompareCommand.self, ReportCommand.self])
}

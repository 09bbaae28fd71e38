import ArgumentParser

@main
struct FP8MoE: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fp8moe",
        abstract: "A bit-exact FP8 emulator and judge for FP8 Mixture-of-Experts training.",
        subcommands: [ConvertCommand.self, TableCommand.self, GoldenCommand.self, ExhaustiveCommand.self, BenchCommand.self, GenerateCommand.self, VerifyCommand.self, CompareCommand.self, ReportCommand.self])
}

import ArgumentParser
import Foundation
import HDF5

/// Supervised reading (issue 12 item 1): the verbs that read fixtures (verify, compare, report,
/// golden) run their work in a child process of this same binary, so that what the HDF5 C
/// library does on a crafted file (libhdf5 1.10.8 segfaults, aborts, loops and allocates
/// without bound on some) becomes one line naming the file, the HDF5 path and what was being
/// read, exit status 2, never a crash, a hang or a runaway allocation.
///
/// The parent re-runs its own command line (`/proc/self/exe`, same arguments) with
/// `FP8MOE_SUPERVISED_CHILD` set. The child inherits stdout (a normal run's output passes
/// through untouched, byte for byte, at no cost); its stderr is collected and passed on
/// unchanged when it exits normally, so exit statuses 0, 1 and 2 and their messages are those of
/// an unsupervised run. The child reports each HDF5 step through a pipe (`ReadProgress`).
/// The child runs under:
/// - RLIMIT_AS: `FP8MOE_MEMORY_LIMIT` bytes, default max(4 GiB, 8 x the size of the files named
///   on the command line); HDF5 reads refuse a dataset over a third of it before allocating;
/// - a deadline per HDF5 step: 5 s plus 1 s per 20 MB the step reads (`FP8MOE_READ_TIMEOUT`
///   sets the 5 s): a step past it is a loop in the library;
/// - a memory allowance per HDF5 step, checked every 10 ms while a step runs: resident memory
///   may grow by 256 MiB (`FP8MOE_STEP_MEMORY` bytes) plus 4 x the bytes the open steps read
///   (an ended step's bytes count in the step around it: `ReadSteps`) over what it was when the
///   outermost open step began. RLIMIT_AS alone cannot be sized
///   for a small file (thread stacks and BLAS buffers reserve address space on a many-core
///   machine), and libhdf5 1.10.8 allocates and fills gigabytes for a damaged object header
///   in a 78 KB file (fuzz reproducer `017-memory-byte-bitflip-7158-64-2451-16`: 2.1 GB resident,
///   then the read succeeded);
/// - a deadline for the whole run: 1800 s plus 1 s per MB of input (`FP8MOE_TIMEOUT`), and
///   RLIMIT_CPU of that many seconds times the number of cores.
/// `FP8MOE_UNSUPERVISED=1` runs the verb in this process (what the overhead is measured against).
enum Supervisor {
    static let childVariable = "FP8MOE_SUPERVISED_CHILD"

    /// In the parent: runs this command line in a supervised child and exits with its status (or
    /// 2 with one line when the child dies). In the child, or when unsupervised: returns at once.
    /// `files` are the HDF5 files the command reads (they size the limits and name the file in a
    /// message when the child dies before its first read).
    static func runSupervisedUnlessChild(files: [String]) throws {
        let environment = ProcessInfo.processInfo.environment
        if let limits = environment[childVariable] {
            applyLimits(limits)
            return
        }
        if environment["FP8MOE_UNSUPERVISED"] == "1" { return }
        let status = try superviseChild(files: files, environment: environment)
        throw ExitCode(status)
    }

    // MARK: - The child

    /// `"<address space bytes>,<cpu seconds>"`, as the parent wrote it.
    private static func applyLimits(_ text: String) {
        let parts = text.split(separator: ",").compactMap { UInt64($0) }
        guard parts.count == 2 else { return }
        func lower(_ resource: __rlimit_resource, to value: UInt64) {
            guard value > 0 else { return }
            var limit = rlimit()
            guard getrlimit(__rlimit_resource_t(resource.rawValue), &limit) == 0 else { return }
            limit.rlim_cur = min(limit.rlim_cur, rlim_t(value))
            limit.rlim_max = min(limit.rlim_max, rlim_t(value) + (resource == RLIMIT_CPU ? 5 : 0))
            _ = setrlimit(__rlimit_resource_t(resource.rawValue), &limit)
        }
        lower(RLIMIT_AS, to: parts[0])
        lower(RLIMIT_CPU, to: parts[1])
        var noCore = rlimit(rlim_cur: 0, rlim_max: 0)
        _ = setrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &noCore)
    }

    // MARK: - The parent

    /// Runs the child and watches it (the steps it reports: `ReadSteps`); its exit status, or 2.
    private static func superviseChild(files: [String], environment: [String: String]) throws -> Int32 {
        let inputBytes = files.reduce(0) { total, file in
            total + ((try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0)
        }
        let memory = environment["FP8MOE_MEMORY_LIMIT"].flatMap(UInt64.init)
            ?? max(4 << 30, 8 * UInt64(inputBytes))
        let overall = environment["FP8MOE_TIMEOUT"].flatMap(Double.init)
            ?? 1800 + Double(inputBytes) / 1e6
        let cpu = UInt64(overall) * UInt64(max(1, ProcessInfo.processInfo.activeProcessorCount))
        let stepMemory = environment["FP8MOE_STEP_MEMORY"].flatMap(UInt64.init) ?? 256 << 20

        var progressPipe: [Int32] = [-1, -1], errorPipe: [Int32] = [-1, -1]
        guard pipe(&progressPipe) == 0, pipe(&errorPipe) == 0 else {
            throw InputError("cannot start the supervised reader: \(String(cString: strerror(errno)))")
        }
        for fd in progressPipe + errorPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        let progressFD: Int32 = 3
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, errorPipe[1], 2)
        posix_spawn_file_actions_adddup2(&actions, progressPipe[1], progressFD)

        var childEnvironment = environment
        childEnvironment[childVariable] = "\(memory),\(cpu)"
        childEnvironment["FP8MOE_PROGRESS_FD"] = String(progressFD)
        childEnvironment["SWIFT_BACKTRACE"] = "enable=no"  // a crash is reported here, at once
        let arguments = CommandLine.arguments
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        var envp: [UnsafeMutablePointer<CChar>?] = childEnvironment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/proc/self/exe", &actions, nil, &argv, &envp)
        close(progressPipe[1])
        close(errorPipe[1])
        guard spawned == 0 else {
            throw InputError("cannot start the supervised reader: \(String(cString: strerror(spawned)))")
        }

        let start = now()
        var steps = ReadSteps()
        var progressBuffer: [UInt8] = []
        var stderrBuffer: [UInt8] = []
        var open: [Int32] = [progressPipe[0], errorPipe[0]]
        var killedFor: String?
        var memoryGrowth: (grown: UInt64, read: UInt64) = (0, 0)
        var chunk = [UInt8](repeating: 0, count: 65536)
        while !open.isEmpty {
            let deadline = steps.current.map { $0.started + $0.allowance } ?? (start + overall)
            let remaining = deadline - now()
            if remaining <= 0 {
                killedFor = steps.current == nil ? "overall" : "step"
                kill(pid, SIGKILL)
                break
            }
            if let bound = steps.memoryLimit(stepMemory: stepMemory) {
                let resident = residentBytes(of: pid)
                if resident > bound.limit {
                    killedFor = "memory"
                    memoryGrowth = (resident - bound.baseline, bound.read)
                    kill(pid, SIGKILL)
                    break
                }
            }
            var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let wait = steps.open.isEmpty ? min(remaining * 1000 + 1, 60_000) : min(remaining * 1000 + 1, 10)
            let ready = poll(&fds, nfds_t(fds.count), Int32(wait))
            if ready < 0 && errno != EINTR { break }
            for entry in fds where entry.revents != 0 {
                let count = chunk.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress, $0.count) }
                if count <= 0 {
                    open.removeAll { $0 == entry.fd }
                    continue
                }
                if entry.fd == errorPipe[0] {
                    stderrBuffer += chunk[0..<count]
                    if stderrBuffer.count > 1 << 20 {  // a verb that talks a lot: pass it on now
                        FileHandle.standardError.write(Data(stderrBuffer))
                        stderrBuffer.removeAll()
                    }
                } else {
                    progressBuffer += chunk[0..<count]
                    while let newline = progressBuffer.firstIndex(of: 10) {
                        let line = String(decoding: progressBuffer[..<newline], as: UTF8.self)
                        progressBuffer.removeSubrange(...newline)
                        steps.apply(line, now: now())
                    }
                }
            }
        }
        close(progressPipe[0])
        close(errorPipe[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exited = status & 0x7f == 0
        if exited && killedFor == nil {
            FileHandle.standardError.write(Data(stderrBuffer))
            return (status >> 8) & 0xff
        }
        let signal = status & 0x7f
        let childText = String(decoding: stderrBuffer, as: UTF8.self)
        printError("fp8moe: " + deathMessage(signal: signal, killedFor: killedFor, step: steps.current, lastStep: steps.lastBegun,
                                               files: files, memory: memory, overall: overall, childText: childText,
                                               memoryGrowth: memoryGrowth))
        return 2
    }

    /// One line: the file, the HDF5 path and what was being read when the child died.
    private static func deathMessage(signal: Int32, killedFor: String?, step: ReadSteps.Step?, lastStep: ReadSteps.Step?,
                                     files: [String], memory: UInt64, overall: Double, childText: String,
                                     memoryGrowth: (grown: UInt64, read: UInt64)) -> String {
        let file = (step ?? lastStep)?.file ?? files.first ?? "?"
        let gib = String(format: "%.1f GiB", Double(memory) / Double(1 << 30))
        let memoryHint = childText.contains("allocate") || childText.contains("Cannot allocate memory")
            || childText.contains("out of memory") || childText.contains("bad_alloc")
        switch killedFor {
        case "step":
            let s = step!
            return "\(file): \(s.path): no progress in \(Int(s.allowance)) s while \(s.what): the HDF5 library is looping on damaged metadata (FP8MOE_READ_TIMEOUT sets the allowance)"
        case "memory":
            let s = step!
            let mib = { (bytes: UInt64) in "\(bytes >> 20) MiB" }
            let reads = memoryGrowth.read == 0 ? "a metadata read" : "a read of \(memoryGrowth.read) bytes"
            return "\(file): \(s.path): the HDF5 library allocated \(mib(memoryGrowth.grown)) while \(s.what) (\(reads)): damaged metadata (FP8MOE_STEP_MEMORY sets the allowance in bytes)"
        case "overall":
            return "\(file): still running after \(Int(overall)) s\(lastStep.map { " (last read: \($0.what) at \($0.path))" } ?? ""); stopped (FP8MOE_TIMEOUT sets the limit)"
        default:
            break
        }
        let name = signalName(signal)
        if signal == SIGXCPU {
            return "\(file): CPU time limit reached\(lastStep.map { " (last read: \($0.what) at \($0.path))" } ?? ""): stopped (FP8MOE_TIMEOUT sets the limit)"
        }
        if memoryHint {
            let at = step.map { "\($0.path): memory limit of \(gib) reached while \($0.what)" }
                ?? "memory limit of \(gib) reached\(lastStep.map { " after \($0.what) at \($0.path)" } ?? "")"
            return "\(file): \(at) (FP8MOE_MEMORY_LIMIT sets the limit in bytes)"
        }
        if lastStep == nil {
            return "\(file): the reader died (\(name)) before reading the file: is the memory limit of \(gib) too low? (FP8MOE_MEMORY_LIMIT sets it in bytes)"
        }
        if let s = step {
            return "\(file): \(s.path): the HDF5 library crashed (\(name)) while \(s.what): the file is damaged or crafted"
        }
        let fatal = childText.split(separator: "\n").first { $0.contains("Fatal error") }.map { ": " + $0 } ?? ""
        return "\(file): internal error (\(name))\(lastStep.map { " after \($0.what) at \($0.path)" } ?? "")\(fatal); please report it with the file"
    }

    private static func signalName(_ signal: Int32) -> String {
        switch signal {
        case SIGSEGV: "SIGSEGV"
        case SIGABRT: "SIGABRT"
        case SIGBUS: "SIGBUS"
        case SIGILL: "SIGILL"
        case SIGTRAP: "SIGTRAP"
        case SIGFPE: "SIGFPE"
        case SIGKILL: "SIGKILL"
        default: "signal \(signal)"
        }
    }

    private static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}

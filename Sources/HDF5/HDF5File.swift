// Module HDF5: generic HDF5 files, knowing nothing of fixtures. Typed reads and writes of
// datasets, groups and attributes (HDF5File and its extensions), element types (HDF5Element,
// HDF5Datatype), compression, and FixtureError: every failure names the file, the HDF5 path and
// the problem. Files are written under a temporary name and committed by rename. The fixture
// schema on top of it is in Schema; a new element type goes here (HDF5Element), a new dataset
// of the schema does not.

internal import CHDF5
import Foundation

/// An open HDF5 file: read-only, newly created, or opened to add to it.
///
/// Reads and writes name objects by absolute HDF5 path (`/inputs/a`; a missing leading `/` is
/// added). See the extensions for paths and groups, datasets and attributes.
///
///     let file = try HDF5File(reading: "fixture.h5")
///     let a = try file.readArray("/inputs/a", as: UInt16.self, shape: [nil, nil])
///     let dtype = try file.stringAttribute("dtype", at: "/inputs/a")    // "bfloat16"
///
///     let out = try HDF5File(creating: "copy.h5")                       // refuses to overwrite
///     try out.write(a, to: "/inputs/a", compression: .gzip(level: 4))
///     try out.setAttribute("dtype", dtype, at: "/inputs/a")
///     try out.commit()                                                  // now copy.h5 exists
///
/// Writes never touch the named file until `commit()`: a created file is built under a
/// temporary name in the same folder (`.<name>.tmp-<uuid>`), and an updated file is first
/// copied there. `commit()` closes the file and renames it into place, so a failure at any
/// point before that leaves the original file (if any) byte-identical, and an uncommitted
/// writable file is deleted on `close()` or deinit.
///
/// Handles are closed deterministically: on `close()`, `commit()` or deinit, whichever is
/// first. Every HDF5 object handle the module opens internally is closed before the call returns.
///
/// Not thread-safe: use one `HDF5File` from one task at a time (different files, or different
/// `HDF5File`s of one read-only file, may be used concurrently).
public final class HDF5File {
    /// How the file was opened.
    public enum Mode: Sendable, Equatable {
        /// Reading only; every write throws `.notWritable`.
        case readOnly
        /// A new file; published by `commit()`, replacing an existing one only if `overwrite`.
        case create(overwrite: Bool)
        /// An existing file to add to; `commit()` replaces it with the updated copy.
        case update
    }

    /// The file as the caller named it; every error names this path.
    public let path: String
    /// How the file was opened.
    public let mode: Mode
    /// Where HDF5 actually reads and writes: `path` when read-only, else the temporary sibling.
    private let workingPath: String
    /// The HDF5 file id, or nil once closed.
    private var fileID: hid_t?

    /// Opens an existing file for reading.
    ///
    /// Errors: `.missingFile`, `.notHDF5`, `.truncatedFile`, or `.library` for anything else
    /// HDF5 refuses (unreadable file, damaged superblock).
    public init(reading path: String) throws(FixtureError) {
        self.path = path
        self.mode = .readOnly
        self.workingPath = path
        self.fileID = try HDF5Library.locked { () throws(FixtureError) -> hid_t in
            try ReadProgress.step(path, "/", "opening the file") { () throws(FixtureError) -> hid_t in
                try Self.checkIsHDF5(path)
                return try Self.open(workingPath: path, reportedAs: path, writable: false)
            }
        }
    }

    /// Creates a new, empty file that appears at `path` on `commit()`.
    ///
    /// Errors: `.fileExists` if `path` exists and `overwrite` is false (checked now and again at
    /// commit; the existing file is never touched), `.library` if the folder is not writable.
    public init(creating path: String, overwrite: Bool = false) throws(FixtureError) {
        self.path = path
        self.mode = .create(overwrite: overwrite)
        self.workingPath = Self.temporarySibling(of: path)
        let workingPath = self.workingPath
        self.fileID = try HDF5Library.locked { () throws(FixtureError) -> hid_t in
            if !overwrite && FileManager.default.fileExists(atPath: path) {
                throw FixtureError(file: path, path: "/", problem: .fileExists)
            }
            let fapl = try Self.fileAccessList(reportedAs: path)
            let id = H5Fcreate(workingPath, chdf5_f_acc_excl(), chdf5_p_default(), fapl.id)
            guard id >= 0 else {
                throw FixtureError(file: path, path: "/", problem: .library(
                    operation: "creating the file", detail: HDF5Library.innermostMessage()))
            }
            return id
        }
    }

    /// Opens an existing file to add groups, datasets and attributes; `commit()` publishes them.
    ///
    /// The file is copied to a temporary sibling first, so the original stays intact until commit.
    /// Errors: those of `init(reading:)`, and `.fileSystem` if the copy fails.
    public init(updating path: String) throws(FixtureError) {
        self.path = path
        self.mode = .update
        self.workingPath = Self.temporarySibling(of: path)
        let workingPath = self.workingPath
        self.fileID = try HDF5Library.locked { () throws(FixtureError) -> hid_t in
            try Self.checkIsHDF5(path)
            do {
                try FileManager.default.copyItem(atPath: path, toPath: workingPath)
            } catch {
                throw FixtureError(file: path, path: "/", problem: .fileSystem(
                    operation: "copying to \(workingPath)", detail: "\(error)"))
            }
            do throws(FixtureError) {
                return try Self.open(workingPath: workingPath, reportedAs: path, writable: true)
            } catch {
                try? FileManager.default.removeItem(atPath: workingPath)
                throw error
            }
        }
    }

    deinit { close() }

    /// Whether writes are allowed (created or updated, and not yet closed).
    public var isWritable: Bool { mode != .readOnly && fileID != nil }

    /// Closes the file. A writable file that was not committed is discarded: its temporary
    /// copy is deleted and the file at `path` is left as it was. Calling it again does nothing.
    public func close() {
        try? HDF5Library.locked { () throws(FixtureError) in
            guard let id = fileID else { return }
            fileID = nil
            try? ReadProgress.step(path, "/", "closing the file") { () throws(FixtureError) in _ = H5Fclose(id) }
            if mode != .readOnly {
                try? FileManager.default.removeItem(atPath: workingPath)
            }
        }
    }

    /// Closes the file and, if it is writable, publishes it at `path` by an atomic rename.
    ///
    /// For `.create(overwrite: false)` the file is linked into place only if nothing is at
    /// `path` (`.fileExists` otherwise, and the temporary copy is removed).
    /// Postconditions: the file is closed whether or not this throws; a read-only file is
    /// simply closed.
    public func commit() throws(FixtureError) {
        try HDF5Library.locked { () throws(FixtureError) in
            guard let id = fileID else { throw failure("/", .closed) }
            fileID = nil
            if mode == .readOnly {
                _ = H5Fclose(id)
                return
            }
            defer { try? FileManager.default.removeItem(atPath: workingPath) }
            let flushed = H5Fflush(id, H5F_SCOPE_GLOBAL)
            let closed = H5Fclose(id)
            guard flushed >= 0, closed >= 0 else {
                throw failure("/", .library(
                    operation: "writing the file", detail: HDF5Library.innermostMessage()))
            }
            try syncToDisk(workingPath)
            try publish()
        }
    }

    // MARK: - Internals shared by the extensions

    /// The open file id, or `.closed`.
    func openID(_ objectPath: String) throws(FixtureError) -> hid_t {
        guard let id = fileID else { throw failure(objectPath, .closed) }
        return id
    }

    /// The open file id of a writable file, or `.notWritable` / `.closed`.
    func writableID(_ objectPath: String) throws(FixtureError) -> hid_t {
        let id = try openID(objectPath)
        guard mode != .readOnly else { throw failure(objectPath, .notWritable) }
        return id
    }

    /// An error about `objectPath` in this file.
    func failure(_ objectPath: String, _ problem: FixtureError.Problem) -> FixtureError {
        FixtureError(file: path, path: objectPath, problem: problem)
    }

    /// An error for a failed HDF5 call, with HDF5's innermost message.
    func libraryFailure(_ objectPath: String, _ operation: String) -> FixtureError {
        failure(objectPath, .library(operation: operation, detail: HDF5Library.innermostMessage()))
    }

    // MARK: - Opening

    /// Throws `.missingFile` or `.notHDF5` unless `path` is an existing file with an HDF5 signature.
    private static func checkIsHDF5(_ path: String) throws(FixtureError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw FixtureError(file: path, path: "/", problem: .missingFile)
        }
        guard !isDirectory.boolValue else {
            throw FixtureError(file: path, path: "/", problem: .invalidArgument("is a folder"))
        }
        let signature = H5Fis_hdf5(path)
        if signature == 0 { throw FixtureError(file: path, path: "/", problem: .notHDF5) }
        if signature < 0 {
            throw FixtureError(file: path, path: "/", problem: .library(
                operation: "reading the file", detail: HDF5Library.innermostMessage()))
        }
    }

    /// Opens `workingPath`; errors name `reportedAs`.
    private static func open(workingPath: String, reportedAs path: String, writable: Bool)
        throws(FixtureError) -> hid_t
    {
        let fapl = try fileAccessList(reportedAs: path)
        let flags = writable ? chdf5_f_acc_rdwr() : chdf5_f_acc_rdonly()
        let id = H5Fopen(workingPath, flags, fapl.id)
        guard id >= 0 else {
            let message = HDF5Library.innermostMessage()
            // HDF5 says "truncated file: eof = 5000, sblock->base_addr = 0, stored_eof = 26576".
            let problem: FixtureError.Problem = message.contains("truncated")
                ? .truncatedFile(detail: message.replacingOccurrences(of: "truncated file: ", with: ""))
                : .library(operation: "opening the file", detail: message)
            throw FixtureError(file: path, path: "/", problem: problem)
        }
        return id
    }

    /// File access properties: closing the file closes every object still open in it.
    private static func fileAccessList(reportedAs path: String) throws(FixtureError) -> Handle {
        let fapl = Handle(H5Pcreate(chdf5_p_file_access()), close: H5Pclose)
        guard fapl.id >= 0, H5Pset_fclose_degree(fapl.id, H5F_CLOSE_STRONG) >= 0 else {
            throw FixtureError(file: path, path: "/", problem: .library(
                operation: "setting up file access", detail: HDF5Library.innermostMessage()))
        }
        return fapl
    }

    /// `<folder>/.<name>.tmp-<uuid>`: same folder, so the final rename is atomic.
    private static func temporarySibling(of path: String) -> String {
        let url = URL(fileURLWithPath: path)
        let name = ".\(url.lastPathComponent).tmp-\(UUID().uuidString)"
        return url.deletingLastPathComponent().appendingPathComponent(name).path
    }

    // MARK: - Publishing

    /// Flushes the closed temporary file's bytes to disk before it is renamed into place.
    private func syncToDisk(_ file: String) throws(FixtureError) {
        let fd = Foundation.open(file, O_RDONLY)
        guard fd >= 0 else { throw systemFailure("opening \(file) to sync it") }
        defer { _ = Foundation.close(fd) }
        guard fsync(fd) == 0 else { throw systemFailure("syncing \(file)") }
    }

    /// Moves the temporary file to `path`: replacing whatever is there unless this is a
    /// create without overwrite, in which case a hard link refuses an existing file atomically.
    private func publish() throws(FixtureError) {
        if case .create(overwrite: false) = mode {
            if link(workingPath, path) == 0 { return }  // the deferred removal drops the temp name
            if errno == EEXIST || FileManager.default.fileExists(atPath: path) {
                throw failure("/", .fileExists)
            }
            // No hard links on this file system: fall through to rename (checked just above).
        }
        guard rename(workingPath, path) == 0 else {
            throw systemFailure("renaming \(workingPath) to \(path)")
        }
    }

    private func systemFailure(_ operation: String) -> FixtureError {
        failure("/", .fileSystem(operation: operation, detail: String(cString: strerror(errno))))
    }
}

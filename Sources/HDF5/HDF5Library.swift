internal import CHDF5
import Foundation

/// Process-wide access to the HDF5 library.
///
/// HDF5 may be built without thread safety (Debian's build has it, others do not), so every
/// call into it from this module runs under one recursive lock. Inside the lock the automatic
/// printing of HDF5's error stack is switched off (the setting is per thread in thread-safe
/// builds, so it is repeated on each entry); failures are read back with `innermostMessage()`.
enum HDF5Library {
    private static let lock = NSRecursiveLock()

    /// Runs `body` with the library lock held and HDF5's error printing silenced.
    static func locked<R>(_ body: () throws(FixtureError) -> R) throws(FixtureError) -> R {
        lock.lock()
        defer { lock.unlock() }
        _ = H5Eset_auto2(chdf5_e_default(), nil, nil)
        return try body()
    }

    /// The most specific message on the current thread's HDF5 error stack, then clears the stack.
    ///
    /// Returns "unknown HDF5 error" when the stack is empty.
    static func innermostMessage() -> String {
        final class Collected { var messages: [String] = [] }
        let collected = Collected()
        let context = Unmanaged.passUnretained(collected).toOpaque()
        // Walking upward visits the most specific error first.
        _ = H5Ewalk2(chdf5_e_default(), H5E_WALK_UPWARD, { _, error, context in
            guard let error, let context, let desc = error.pointee.desc else { return 0 }
            let box = Unmanaged<Collected>.fromOpaque(context).takeUnretainedValue()
            box.messages.append(String(cString: desc))
            return 0
        }, context)
        _ = H5Eclear2(chdf5_e_default())
        withExtendedLifetime(collected) {}
        return collected.messages.first(where: { !$0.isEmpty }) ?? "unknown HDF5 error"
    }
}

extension HDF5Library {
    /// The HDF5 library's version, `1.10.8` on Debian 12.
    static let version: String = {
        var major: UInt32 = 0, minor: UInt32 = 0, release: UInt32 = 0
        _ = H5get_libversion(&major, &minor, &release)
        return "\(major).\(minor).\(release)"
    }()

    /// HDF5's message for an object it cannot decode, with what to do when the cause is a file
    /// format newer than this library (h5py's `libver='latest'` under HDF5 2.0 writes version-5
    /// layout messages and version-4 data/fill messages that 1.10 cannot read).
    static func explained(_ message: String) -> String {
        let lowered = message.lowercased()
        let newer = ["bad version", "version not supported", "unsupported", "wrong version",
                     "bad layout", "invalid version"].contains { lowered.contains($0) }
        guard newer else { return message }
        return "\(message) (the object uses an HDF5 format feature newer than this library, HDF5 "
            + "\(version), reads; write the file with h5py.File(path, \"w\", libver=(\"earliest\", \"v110\")))"
    }
}

/// An HDF5 identifier owned by the current scope and closed when the scope ends.
///
/// Preconditions: `id` is a valid identifier that the caller owns (not a predefined type id),
/// and `close` is the matching close function (`H5Dclose`, `H5Sclose`, ...).
struct Handle: ~Copyable {
    let id: hid_t
    private let close: @convention(c) (hid_t) -> herr_t

    init(_ id: hid_t, close: @convention(c) (hid_t) -> herr_t) {
        self.id = id
        self.close = close
    }

    deinit { _ = close(id) }
}

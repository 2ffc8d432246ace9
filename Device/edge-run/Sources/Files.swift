import CEdgeRun

/// An input file opened through the C shim, with its size known before anything is read
/// so that every length can be checked against it first.
struct InputFile: ~Copyable {
    /// The descriptor, owned: closed on deinit.
    let fd: Int32
    /// Bytes in the file at open time.
    let size: Int
    /// The name used in error messages.
    let path: String

    /// Opens `path`; the errors are the host's (`AtomicFile.read`): a missing file or a folder
    /// is a missing input (exit 66); a FIFO or device is refused because its size is unknown.
    init(_ path: String) throws(EdgeError) {
        var fd: Int32 = -1
        var size: Int64 = 0
        let rc = path.withCString { er_open($0, &fd, &size) }
        switch rc {
        case Int32(ER_OPEN_OK): break
        case Int32(ER_OPEN_MISSING): throw EdgeError.missingInput(path: path, reason: "no such file")
        case Int32(ER_OPEN_FOLDER): throw EdgeError.missingInput(path: path, reason: "is a folder, expected a file")
        case Int32(ER_OPEN_SPECIAL): throw EdgeError.missingInput(path: path, reason: "is not a regular file")
        default: throw EdgeError.missingInput(path: path, reason: "cannot open for reading")
        }
        self.fd = fd
        self.size = Int(size)
        self.path = path
    }

    deinit { er_close(fd) }

    /// The whole file, refused (exit 65) when larger than `limit` bytes, as the host's
    /// reader does (model files: 512 MiB).
    func readAll(limit: Int) throws(EdgeError) -> [UInt8] {
        guard size <= limit else { throw EdgeError.badData(path: path, reason: "file is \(size) bytes, over the limit of \(limit)") }
        var bytes = [UInt8](repeating: 0, count: size)
        let got = bytes.withUnsafeMutableBytes { er_read(fd, $0.baseAddress, $0.count) }
        guard got == size else { throw EdgeError.badData(path: path, reason: "read \(got) of \(size) bytes") }
        return bytes
    }

    /// Fills `buffer` with the next `count` bytes; false on a short read.
    func read(into buffer: UnsafeMutableRawPointer, count: Int) -> Bool {
        er_read(fd, buffer, count) == count
    }
}

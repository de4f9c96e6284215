#if os(Linux)
/// berth links libarchive statically (see Package.swift) and uses one of its formats, pax. libarchive's pax and
/// ustar writers call this function to report a file type they cannot store, and libarchive defines it in the
/// object file that also holds the table of all its formats (`archive_write_set_format.c`). Linking libarchive's
/// copy would therefore pull every writer into berth — xar (libxml2, and through it ICU), 7-Zip (liblzma, libbz2),
/// zip (zlib, nettle) — each one a shared library the binary then needs at run time. Defining the function here
/// keeps that object out, and berth needs nothing beyond the C library. berth never gives libarchive such a file
/// (the site walk refuses sockets, FIFOs and devices); if it did, the header write still fails, with libarchive's
/// status instead of its message.
@_cdecl("__archive_write_entry_filetype_unsupported")
func archiveWriteEntryFiletypeUnsupported(_ archive: OpaquePointer?, _ entry: OpaquePointer?,
                                          _ format: UnsafePointer<CChar>?) {}
#endif

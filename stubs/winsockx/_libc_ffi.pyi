# Stub for the generated winsockx/_libc_ffi.py (tools/build_ffi.py); the typed view of
# the library it loads is winsockx._libc.Libc.
import _cffi_backend

ffi: _cffi_backend.FFI

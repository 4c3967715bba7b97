# Stub for the generated winsockx/_ws2_32_ffi.py (tools/build_ffi.py): the module is a
# single _cffi_backend.FFI built from serialized declarations, which mypy should not
# read. The typed view of the library it loads is winsockx._ws2_32.Ws2_32.
import _cffi_backend

ffi: _cffi_backend.FFI

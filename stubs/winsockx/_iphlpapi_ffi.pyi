# Stub for the generated winsockx/_iphlpapi_ffi.py (tools/build_ffi.py); the typed view
# of the libraries it loads is winsockx._iphlpapi.Iphlpapi and .Kernel32Process.
import _cffi_backend

ffi: _cffi_backend.FFI

# CMake toolchain for the zig-built prebuilds (used by scripts/cross-build.sh): `zig cc` / `zig c++` for one
# target triple, e.g. x86_64-linux-gnu.2.28, aarch64-linux-musl, aarch64-macos.11.0.
#
# cross-build.sh passes FFIKIT_ZIG_TARGET (the triple) and FFIKIT_ZIG_BIN (a directory holding `cc` and
# `c++` wrappers that run `zig cc -target <triple>`): CMake wants one executable per compiler, not a
# command with arguments. zig links its own libc++/libc++abi/libunwind statically, so the library needs
# only the C library at run time; for glibc targets the version in the triple is the oldest glibc it
# loads on (zig links against stubs of exactly that version's symbols).
set(CMAKE_TRY_COMPILE_PLATFORM_VARIABLES FFIKIT_ZIG_TARGET FFIKIT_ZIG_BIN)
if(NOT FFIKIT_ZIG_TARGET OR NOT FFIKIT_ZIG_BIN)
  message(FATAL_ERROR "zig.cmake: pass -DFFIKIT_ZIG_TARGET=<triple> -DFFIKIT_ZIG_BIN=<dir with cc and c++ wrappers>")
endif()

string(REPLACE "-" ";" _ffikit_zig_parts "${FFIKIT_ZIG_TARGET}")
list(GET _ffikit_zig_parts 0 _ffikit_zig_arch)
list(GET _ffikit_zig_parts 1 _ffikit_zig_os)
string(REGEX REPLACE "\\..*$" "" _ffikit_zig_os "${_ffikit_zig_os}")

if(_ffikit_zig_os STREQUAL "linux")
  set(CMAKE_SYSTEM_NAME Linux)
  set(CMAKE_SYSTEM_PROCESSOR ${_ffikit_zig_arch})
elseif(_ffikit_zig_os STREQUAL "macos")
  set(CMAKE_SYSTEM_NAME Darwin)
  # CMakeLists.txt enables the x86 kernels from this name, as on a native Mac (uname -m).
  if(_ffikit_zig_arch STREQUAL "aarch64")
    set(CMAKE_SYSTEM_PROCESSOR arm64)
  else()
    set(CMAKE_SYSTEM_PROCESSOR ${_ffikit_zig_arch})
  endif()
  # No Apple SDK here: zig brings the macOS libc headers and stubs, and the minimum macOS version comes
  # from the triple. Empty values keep CMake from running xcrun or adding -mmacosx-version-min.
  set(CMAKE_OSX_SYSROOT "" CACHE PATH "" FORCE)
  set(CMAKE_OSX_DEPLOYMENT_TARGET "" CACHE STRING "" FORCE)
  set(CMAKE_OSX_ARCHITECTURES "" CACHE STRING "" FORCE)
  # Without sw_vers CMake cannot tell that the target supports @rpath and would record the build
  # directory as the install name: record @rpath/libffikit_ref.dylib, as a native build does.
  set(CMAKE_INSTALL_NAME_DIR "@rpath")
  set(CMAKE_BUILD_WITH_INSTALL_NAME_DIR ON)
else()
  message(FATAL_ERROR "zig.cmake: unsupported target ${FFIKIT_ZIG_TARGET}")
endif()

set(CMAKE_C_COMPILER ${FFIKIT_ZIG_BIN}/cc)
set(CMAKE_CXX_COMPILER ${FFIKIT_ZIG_BIN}/c++)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# -s: no symbol table beyond the dynamic exports and no debug info in what ships.
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-s")

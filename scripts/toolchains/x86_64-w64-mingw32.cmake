# CMake toolchain for win32-x64 prebuilds with Debian's g++-mingw-w64-x86-64-posix (used by scripts/cross-build.sh).
set(CMAKE_SYSTEM_NAME Windows)
# CMakeLists.txt enables the AVX kernels for this processor name, as on a native Windows build.
set(CMAKE_SYSTEM_PROCESSOR AMD64)
# The -posix flavour: the library uses std::mutex / std::call_once / std::thread, which GCC 12 only
# implements on mingw with the winpthreads threading model.
set(CMAKE_C_COMPILER x86_64-w64-mingw32-gcc-posix)
set(CMAKE_CXX_COMPILER x86_64-w64-mingw32-g++-posix)
set(CMAKE_RC_COMPILER x86_64-w64-mingw32-windres)
set(CMAKE_FIND_ROOT_PATH /usr/x86_64-w64-mingw32)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# The Win64 ABI only guarantees 16-byte stack alignment and GCC does not realign the stack for
# 32/64-byte AVX spills (GCC bug 54412), so aligned vector moves to the stack can fault. Have the
# assembler emit unaligned moves instead (binutils >= 2.38), which cost nothing on AVX hardware.
set(CMAKE_C_FLAGS_INIT "-Wa,-muse-unaligned-vector-move")
set(CMAKE_CXX_FLAGS_INIT "-Wa,-muse-unaligned-vector-move")
# A self-contained DLL: libstdc++, libgcc and winpthread linked in, so only system DLLs are needed.
# Stripped by the linker (-s) and without a link timestamp, so the same sources give the same bytes
# (the DLL is committed; a separate strip step would stamp the PE header with the current time).
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-static -static-libgcc -static-libstdc++ -s -Wl,--no-insert-timestamp")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -static-libgcc -static-libstdc++")

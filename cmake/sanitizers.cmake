# Test-only build variants of libffikit_ref (issue 8): sanitizer instrumentation, allocation fault
# injection, and the native reliability harnesses that use them. Included once from
# CMakeLists.txt after the ffikit_ref target exists; every option defaults to off, so the release
# and prebuild binaries are exactly what they would be without this file.
#
#   FFIKIT_SANITIZE=address   ASan + UBSan (UBSan aborts on the first report)
#   FFIKIT_SANITIZE=thread    TSan
#   FFIKIT_SANITIZE=fuzzer    ASan + UBSan + libFuzzer coverage (clang only)
#   FFIKIT_FAULT_INJECTION=ON ffikit_fault_* (cpp/include/ffikit_ref_fault.h) compiled in
#   FFIKIT_BUILD_RELIABILITY=ON  the harnesses under tests/native-stress and tests/fuzz that
#                                fit the chosen variant
# CMakePresets.json names the combinations the scripts in scripts/ build.

set(FFIKIT_SANITIZE "" CACHE STRING "Sanitizer build of libffikit_ref: address, thread, fuzzer or empty")
set_property(CACHE FFIKIT_SANITIZE PROPERTY STRINGS "" address thread fuzzer)
option(FFIKIT_FAULT_INJECTION "Compile in the allocation fault injector (tests only)" OFF)
option(FFIKIT_BUILD_RELIABILITY "Build the native stress, OOM and fuzz harnesses" OFF)

set(_ffikit_sanitize_flags "")
if(FFIKIT_SANITIZE STREQUAL "address")
  # -fno-sanitize-recover: a UBSan report must fail the run, not scroll past in a log.
  set(_ffikit_sanitize_flags -fsanitize=address,undefined -fno-sanitize-recover=undefined)
elseif(FFIKIT_SANITIZE STREQUAL "thread")
  set(_ffikit_sanitize_flags -fsanitize=thread)
elseif(FFIKIT_SANITIZE STREQUAL "fuzzer")
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "FFIKIT_SANITIZE=fuzzer needs clang (libFuzzer); got ${CMAKE_CXX_COMPILER_ID}")
  endif()
  # fuzzer-no-link: the library feeds coverage to the harness's libFuzzer without linking its own.
  set(_ffikit_sanitize_flags
    -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined)
elseif(NOT FFIKIT_SANITIZE STREQUAL "")
  message(FATAL_ERROR "FFIKIT_SANITIZE must be address, thread, fuzzer or empty; got '${FFIKIT_SANITIZE}'")
endif()

if(_ffikit_sanitize_flags)
  if(MSVC)
    message(FATAL_ERROR "FFIKIT_SANITIZE is only wired up for GCC and Clang")
  endif()
  # Frame pointers give complete stacks in reports at no measurable cost for this library.
  list(APPEND _ffikit_sanitize_flags -fno-omit-frame-pointer -g)
  target_compile_options(ffikit_ref PRIVATE ${_ffikit_sanitize_flags})
  target_link_options(ffikit_ref PRIVATE ${_ffikit_sanitize_flags})
  message(STATUS "ffikit_ref sanitizers: ${FFIKIT_SANITIZE}")
endif()

if(FFIKIT_FAULT_INJECTION)
  target_compile_definitions(ffikit_ref PRIVATE FFIKIT_FAULT_INJECTION=1)
  message(STATUS "ffikit_ref allocation fault injection: ON (never ship this build)")
endif()

if(NOT FFIKIT_BUILD_RELIABILITY)
  return()
endif()

# The harnesses link the shared library (as FFI callers do) and share its sanitizer flags, so the
# runtime is the same one on both sides of the C ABI.
set(_ffikit_stress_dir ${CMAKE_CURRENT_SOURCE_DIR}/tests/native-stress)

function(_ffikit_harness name)
  target_link_libraries(${name} PRIVATE ffikit_ref Threads::Threads)
  target_compile_options(${name} PRIVATE ${_ffikit_sanitize_flags} -Wall -Wextra
    $<$<BOOL:${FFIKIT_WERROR}>:-Werror>)
  target_link_options(${name} PRIVATE ${_ffikit_sanitize_flags})
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})
endfunction()

if(FFIKIT_SANITIZE STREQUAL "thread")
  add_executable(ffikit_tsan_stress ${_ffikit_stress_dir}/tsan-stress.cpp)
  _ffikit_harness(ffikit_tsan_stress)
endif()

if(FFIKIT_FAULT_INJECTION)
  add_executable(ffikit_oom_sweep ${_ffikit_stress_dir}/oom-sweep.c)
  set_target_properties(ffikit_oom_sweep PROPERTIES C_STANDARD 11 C_STANDARD_REQUIRED ON)
  _ffikit_harness(ffikit_oom_sweep)
endif()

if(FFIKIT_SANITIZE STREQUAL "fuzzer")
  file(GLOB _ffikit_fuzz_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/tests/fuzz/fuzz-*.cpp)
  foreach(_src IN LISTS _ffikit_fuzz_sources)
    get_filename_component(_name ${_src} NAME_WE)
    string(REPLACE "-" "_" _target ${_name})
    add_executable(${_target} ${_src})
    _ffikit_harness(${_target})
    # The oracle recomputes results in plain C++; it must round exactly like the library.
    target_compile_options(${_target} PRIVATE -ffp-contract=off)
    target_include_directories(${_target} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/tests/fuzz)
    # The harness links libFuzzer's main; the library only carries coverage instrumentation.
    target_link_options(${_target} PRIVATE -fsanitize=fuzzer)
  endforeach()
endif()

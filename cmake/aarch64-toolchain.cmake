# Cross-compiles for 64-bit ARM Linux with Debian's g++-aarch64-linux-gnu, against the
# arm64 multiarch packages (libgtest-dev:arm64, librapidcheck-dev:arm64), and runs the
# resulting programs under qemu-user. Used by scripts/test-arm; see docs/arm.md.
#   cmake -S . -B build/arm -G Ninja --toolchain cmake/aarch64-toolchain.cmake
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

# Multiarch: package configs and static libraries live in /usr/lib/aarch64-linux-gnu, so
# find_package() looks there (and never in /usr/lib/x86_64-linux-gnu).
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

# The arm64 packages put their headers in the shared /usr/include, which the cross compiler
# does not search. Searching it LAST keeps the cross glibc and libstdc++ headers in front,
# and because the compiler then reports it as an implicit directory, CMake does not add an
# `-isystem /usr/include` (which would put the host's C headers first).
set(CMAKE_C_FLAGS_INIT "-idirafter /usr/include")
set(CMAKE_CXX_FLAGS_INIT "-idirafter /usr/include")

# add_test() commands that name a target run through qemu, so plain ctest works.
find_program(IMMUTABLE_QEMU_AARCH64 qemu-aarch64 REQUIRED)
set(CMAKE_CROSSCOMPILING_EMULATOR ${IMMUTABLE_QEMU_AARCH64} -L /usr/aarch64-linux-gnu)

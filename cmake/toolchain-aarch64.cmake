# Cross-compiling for arm64 (aarch64) on an x86-64 Debian machine, with
# Debian's cross compiler (gcc-aarch64-linux-gnu) and the arm64 -dev
# packages installed beside the native ones (multiarch, `dpkg
# --add-architecture arm64`): tools/deps.sh package installs both.
#
#   cmake --preset lambda-arm64      (CMakePresets.json)
#
# Multiarch keeps the arm64 libraries and headers under the host's own root
# (/usr/lib/aarch64-linux-gnu, /usr/include/aarch64-linux-gnu), so there is
# no sysroot: CMAKE_LIBRARY_ARCHITECTURE points every find_library there,
# and pkg-config is told to read only the arm64 .pc files.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_ASM_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_AR aarch64-linux-gnu-ar CACHE FILEPATH "")
set(CMAKE_RANLIB aarch64-linux-gnu-ranlib CACHE FILEPATH "")

# Never the amd64 libraries: only the arm64 multiarch directory and the
# architecture-independent ones.
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")
set(CMAKE_IGNORE_PATH /usr/lib/x86_64-linux-gnu /lib/x86_64-linux-gnu /usr/include/x86_64-linux-gnu)
# With no sysroot, programs are the host's as usual: the build steps that
# run one (npm ci and `cmake -P cmake/embed_docs.cmake` for the docs files)
# run on this machine, and the .S they write is assembled for arm64.

# sandnet_bpf_skeleton(NAME SOURCE): compiles SOURCE with clang's BPF target
# (BTF on) into NAME.bpf.o and generates NAME.skel.h with `bpftool gen
# skeleton` (libbpf-bootstrap style). Creates the INTERFACE target
# sandnet_bpf_NAME: link it to include "NAME.skel.h" (and sandnet/dp_abi.h)
# and to embed the object.
#
# BPF sources see kernel and libbpf headers only, never libc's: glibc's headers
# are written for the host ABI, and for the BPF target they ask for the 32-bit
# stubs (gnu/stubs-32.h, libc6-dev-i386). Every object is compiled with
# -nostdinc against a staged include root that holds exactly linux/, asm/,
# asm-generic/ (linux-libc-dev) and bpf/ (libbpf-dev), so a source that reaches
# a libc header fails the build here, on every machine.
find_program(SANDNET_BPF_CLANG NAMES clang clang-14 REQUIRED)
find_program(SANDNET_BPFTOOL NAMES bpftool PATHS /usr/sbin /sbin REQUIRED)

# Cache variables: the function is also called from other folders (bench/datapath).
set(SANDNET_BPF_DIR ${CMAKE_CURRENT_LIST_DIR}/.. CACHE INTERNAL "bpf/ sources")

set(SANDNET_KERNEL_HEADERS /usr/include CACHE PATH
    "Kernel UAPI headers for BPF sources (linux/, asm-generic/; Debian: linux-libc-dev)")
set(SANDNET_KERNEL_ASM_HEADERS /usr/include/${CMAKE_LIBRARY_ARCHITECTURE}/asm CACHE PATH
    "The architecture's kernel asm/ headers (Debian: linux-libc-dev)")
pkg_get_variable(SANDNET_LIBBPF_INCLUDEDIR libbpf includedir)

set(SANDNET_BPF_SYSROOT ${CMAKE_BINARY_DIR}/bpf-include CACHE INTERNAL "staged BPF include root")
foreach(entry "linux=${SANDNET_KERNEL_HEADERS}/linux"
              "asm-generic=${SANDNET_KERNEL_HEADERS}/asm-generic"
              "asm=${SANDNET_KERNEL_ASM_HEADERS}"
              "bpf=${SANDNET_LIBBPF_INCLUDEDIR}/bpf")
  string(REPLACE "=" ";" pair "${entry}")
  list(GET pair 0 name)
  list(GET pair 1 target)
  if(NOT EXISTS ${target}/)
    message(FATAL_ERROR "BPF headers: ${target} is missing (install linux-libc-dev and libbpf-dev)")
  endif()
  file(MAKE_DIRECTORY ${SANDNET_BPF_SYSROOT})
  file(CREATE_LINK ${target} ${SANDNET_BPF_SYSROOT}/${name} SYMBOLIC)
endforeach()

function(sandnet_bpf_skeleton NAME SOURCE)
  set(obj ${CMAKE_CURRENT_BINARY_DIR}/${NAME}.bpf.o)
  set(skel ${CMAKE_CURRENT_BINARY_DIR}/${NAME}.skel.h)
  file(GLOB bpf_headers CONFIGURE_DEPENDS
       ${SANDNET_BPF_DIR}/lib/*.h ${SANDNET_BPF_DIR}/include/sandnet/*.h)
  add_custom_command(
    OUTPUT ${obj}
    COMMAND ${SANDNET_BPF_CLANG} -target bpf -g -O2 -Wall -Werror -nostdinc
            -isystem ${SANDNET_BPF_SYSROOT}
            -I${SANDNET_BPF_DIR}/include -I${SANDNET_BPF_DIR}
            -c ${CMAKE_CURRENT_SOURCE_DIR}/${SOURCE} -o ${obj}
    DEPENDS ${SOURCE} ${bpf_headers}
    COMMENT "BPF ${NAME}.bpf.o"
    VERBATIM)
  add_custom_command(
    OUTPUT ${skel}
    COMMAND ${SANDNET_BPFTOOL} gen skeleton ${obj} name ${NAME} > ${skel}
    DEPENDS ${obj}
    COMMENT "BPF skeleton ${NAME}.skel.h")
  add_custom_target(sandnet_bpf_${NAME}_gen DEPENDS ${skel})
  add_library(sandnet_bpf_${NAME} INTERFACE)
  add_dependencies(sandnet_bpf_${NAME} sandnet_bpf_${NAME}_gen)
  target_include_directories(sandnet_bpf_${NAME} INTERFACE
    ${CMAKE_CURRENT_BINARY_DIR} ${SANDNET_BPF_DIR}/include)
  target_link_libraries(sandnet_bpf_${NAME} INTERFACE PkgConfig::LIBBPF)
endfunction()

# sandnet_bpf_skeleton(NAME SOURCE): compiles SOURCE with clang's BPF target
# (BTF on) into NAME.bpf.o and generates NAME.skel.h with `bpftool gen
# skeleton` (libbpf-bootstrap style). Creates the INTERFACE target
# sandnet_bpf_NAME: link it to include "NAME.skel.h" (and sandnet/dp_abi.h)
# and to embed the object.
find_program(SANDNET_BPF_CLANG NAMES clang clang-14 REQUIRED)
find_program(SANDNET_BPFTOOL NAMES bpftool PATHS /usr/sbin /sbin REQUIRED)

set(SANDNET_BPF_DIR ${CMAKE_CURRENT_LIST_DIR}/..)

function(sandnet_bpf_skeleton NAME SOURCE)
  set(obj ${CMAKE_CURRENT_BINARY_DIR}/${NAME}.bpf.o)
  set(skel ${CMAKE_CURRENT_BINARY_DIR}/${NAME}.skel.h)
  file(GLOB bpf_headers CONFIGURE_DEPENDS
       ${SANDNET_BPF_DIR}/lib/*.h ${SANDNET_BPF_DIR}/include/sandnet/*.h)
  add_custom_command(
    OUTPUT ${obj}
    COMMAND ${SANDNET_BPF_CLANG} -target bpf -g -O2 -Wall -Werror
            -I/usr/include/${CMAKE_LIBRARY_ARCHITECTURE}
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

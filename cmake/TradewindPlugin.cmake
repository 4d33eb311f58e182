# tw_add_plugin(NAME SOURCES...): builds one plugin as NAME.so into
# the folder given by OUTPUT_DIR (default: <build>/plugins).  Plugins see
# only the public headers and export only their descriptor; the core's
# symbols are resolved from the tradewind program when it loads them.
function(tw_add_plugin name)
    cmake_parse_arguments(ARG "" "OUTPUT_DIR" "SOURCES" ${ARGN})
    if(NOT ARG_OUTPUT_DIR)
        set(ARG_OUTPUT_DIR ${CMAKE_BINARY_DIR}/plugins)
    endif()
    add_library(${name} MODULE ${ARG_SOURCES})
    set_target_properties(${name} PROPERTIES
        PREFIX ""
        C_VISIBILITY_PRESET hidden
        LIBRARY_OUTPUT_DIRECTORY ${ARG_OUTPUT_DIR})
    target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/core/include)
    target_link_libraries(${name} PRIVATE PkgConfig::TW_DEPS)
    set_property(GLOBAL APPEND PROPERTY TW_PLUGIN_TARGETS ${name})
endfunction()

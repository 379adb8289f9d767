# Installation (issue 11): `cmake --install build --prefix P` puts
#   P/bin/sigma                              the command (static sigma_* libraries inside)
#   P/lib/libsigma.so.0.1.0, .so.0, .so      the serial core (src/, no MPI, no I/O), shared
#   P/include/sigma/*.h                      its public headers (version.h generated)
#   P/lib/cmake/sigma/                       find_package(sigma) -> sigma::sigma
#   P/lib/pkgconfig/sigma.pc                 pkg-config --cflags --libs sigma
#   P/share/man/man1/sigma*.1                (cmake/man.cmake)
#   P/share/bash-completion/completions/sigma
# (lib is GNUInstallDirs' CMAKE_INSTALL_LIBDIR: lib/x86_64-linux-gnu for the prefix /usr.)
# tests/install/ installs into a temporary prefix and builds consumers both ways.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# libsigma: the serial core compiled a second time, position-independent, so that the
# sigma binary keeps its static, non-PIC sigma_core (the numbers of tests/golden are
# those of that build). Its dependencies are PRIVATE: the public headers use none of
# their types or headers (each installed header compiles alone: tests/install), so a
# consumer links libsigma only and the loader brings LAPACKE, OpenBLAS and GSL.
file(GLOB SIGMA_PUBLIC_HEADERS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/include/sigma/*.h)
add_library(sigma_shared SHARED ${SIGMA_CORE_SOURCES})
add_library(sigma::sigma ALIAS sigma_shared)
add_dependencies(sigma_shared sigma_git_version)
set_target_properties(sigma_shared PROPERTIES
  OUTPUT_NAME sigma EXPORT_NAME sigma
  VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR})
target_sources(sigma_shared PUBLIC FILE_SET HEADERS
  BASE_DIRS ${PROJECT_SOURCE_DIR}/include ${CMAKE_BINARY_DIR}/include
  FILES ${SIGMA_PUBLIC_HEADERS} ${CMAKE_BINARY_DIR}/include/sigma/version.h)
target_include_directories(sigma_shared
  PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
         $<BUILD_INTERFACE:${CMAKE_BINARY_DIR}/include>
         $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
  PRIVATE ${LAPACKE_INCLUDE} ${CBLAS_INCLUDE} ${RANDOM123_INCLUDE})
# File paths, not the imported targets, so that the exported sigma::sigma names none of
# them (the link order keeps OpenBLAS's cblas_* ahead of GSL's own libgslcblas).
target_link_libraries(sigma_shared PRIVATE ${LAPACKE_LIB} ${LAPACK_LIBRARIES}
                      ${BLAS_LIBRARIES} ${GSL_LIBRARY} m)

install(TARGETS sigma RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS sigma_shared EXPORT sigmaTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  FILE_SET HEADERS DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

# The CMake package: sigmaConfig.cmake, sigmaConfigVersion.cmake, sigmaTargets*.cmake.
set(SIGMA_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/sigma)
install(EXPORT sigmaTargets NAMESPACE sigma:: DESTINATION ${SIGMA_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/sigmaConfig.cmake.in
  ${CMAKE_BINARY_DIR}/sigmaConfig.cmake INSTALL_DESTINATION ${SIGMA_CMAKE_DIR})
# 0.x: a minor release may change the API, so only the same major.minor is compatible.
write_basic_package_version_file(${CMAKE_BINARY_DIR}/sigmaConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/sigmaConfig.cmake ${CMAKE_BINARY_DIR}/sigmaConfigVersion.cmake
        DESTINATION ${SIGMA_CMAKE_DIR})

# pkg-config: the prefix relative to the .pc file (${pcfiledir}), so the tree can be
# installed with --prefix at install time or moved (module-style trees).
if(IS_ABSOLUTE ${CMAKE_INSTALL_LIBDIR})
  set(SIGMA_PC_PREFIX ${CMAKE_INSTALL_PREFIX})
  set(SIGMA_PC_LIBDIR ${CMAKE_INSTALL_LIBDIR})
else()
  file(RELATIVE_PATH _rel /p/${CMAKE_INSTALL_LIBDIR}/pkgconfig /p)
  string(REGEX REPLACE "/$" "" _rel "${_rel}")
  set(SIGMA_PC_PREFIX "\${pcfiledir}/${_rel}")
  set(SIGMA_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/sigma.pc.in ${CMAKE_BINARY_DIR}/sigma.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/sigma.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# bash completion (scripts/completion/sigma.bash; loaded on demand by bash-completion).
install(FILES ${PROJECT_SOURCE_DIR}/scripts/completion/sigma.bash
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME sigma)

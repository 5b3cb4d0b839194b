/* cgate's version, semantic versioning (CHANGELOG.md). The numbers are the
 * project's VERSION in CMakeLists.txt: the configure step fails when the two
 * differ, so bump both together. */
#ifndef CGATE_VERSION_H
#define CGATE_VERSION_H

#ifdef __cplusplus
extern "C" {
#endif

#define CG_VERSION_MAJOR 0
#define CG_VERSION_MINOR 2
#define CG_VERSION_PATCH 0
#define CG_VERSION       "0.2.0"

/* The version of the library the program was linked with (CG_VERSION is
 * the headers' version it was compiled against). */
const char *cg_version(void);

#ifdef __cplusplus
}
#endif

#endif

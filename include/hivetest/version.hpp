// The version hivetest reports: meson's project version, passed in by the build.
#pragma once

#ifndef HIVETEST_VERSION
#define HIVETEST_VERSION "unknown"
#endif

namespace hivetest {
inline constexpr const char* version = HIVETEST_VERSION;
}

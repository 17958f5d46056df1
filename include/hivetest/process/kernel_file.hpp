// Reading and writing the kernel's small text files (/proc, /sys/fs/cgroup) in one call each.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace hivetest::process {

// The file's content, at most `max` bytes of it; nullopt when it cannot be opened or read
// (gone, not ours to read).
std::optional<std::string> read_kernel_file(const std::string& path, std::size_t max = 64 * 1024);

// Writes `text` in one write, as the kernel's control files want; false on failure.
bool write_kernel_file(const std::string& path, std::string_view text);

}  // namespace hivetest::process

// Random ids for answers: rbee's job-<uuid>, OpenAI's chatcmpl-<hex>.
#pragma once

#include <cstddef>
#include <string>

namespace reference_worker {

// "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx" in lowercase hex, as a version 4 UUID.
std::string uuid_v4();
// `digits` lowercase hex digits.
std::string random_hex(std::size_t digits);

}  // namespace reference_worker

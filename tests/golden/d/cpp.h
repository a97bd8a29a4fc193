#define GREETING "from cpp.h"

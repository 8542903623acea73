// The public header alone must compile as C++.
#include "textclust.h"
int main() { return tc_default_params().seed == 42 ? 0 : 1; }

// Pruning in one include: masks, magnitude / structured / N:M methods, schedules, lottery-ticket
// rewinding and the Trainer callback.
#pragma once

#include "joule/prune/lottery.h"
#include "joule/prune/magnitude.h"
#include "joule/prune/mask.h"
#include "joule/prune/nm.h"
#include "joule/prune/pruning_callback.h"
#include "joule/prune/schedule.h"
#include "joule/prune/structured.h"

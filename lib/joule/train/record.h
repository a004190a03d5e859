// EpochRecord: what one epoch produced. The type lives in energy/epoch_record.h, below io/ and
// train/, so that checkpoints (io/) and run reports (report/) share it with the Trainer; this is
// its name in train/, where callbacks meet it.
#pragma once

#include "joule/energy/epoch_record.h"

namespace joule::train {

using EpochRecord = energy::EpochRecord;

}  // namespace joule::train

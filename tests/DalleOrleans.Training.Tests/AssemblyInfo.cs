// The tests train small models; run them one at a time so they do not fight over the cores (and finish sooner).
[assembly: CollectionBehavior(DisableTestParallelization = true)]

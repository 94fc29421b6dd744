using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(L4Conf.Benchmarks.KernelBenchmarks).Assembly).Run(args);

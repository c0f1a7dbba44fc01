// Reads an NUnit 2.6 result XML file and prints the closing summary line the project's runners
// all print: `N passed, N failed` (plus `, N skipped` when any test did not run). Exits 1 when a
// test failed, did not run for a reason other than being ignored, or when no test ran at all.
//
//   mono NUnitSummary.exe TestResult.xml

using System;
using System.Xml;

static class NUnitSummary
{
    static int Main(string[] args)
    {
        if (args.Length != 1)
        {
            Console.Error.WriteLine("usage: NUnitSummary.exe RESULT.xml");
            return 2;
        }
        var doc = new XmlDocument();
        try
        {
            doc.Load(args[0]);
        }
        catch (Exception e)
        {
            Console.Error.WriteLine("cannot read " + args[0] + ": " + e.Message);
            Console.WriteLine("0 passed, 1 failed");
            return 1;
        }
        int passed = 0, failed = 0, skipped = 0;
        foreach (XmlElement test in doc.GetElementsByTagName("test-case"))
        {
            string result = test.GetAttribute("result");
            switch (result)
            {
                case "Success":
                    passed++;
                    break;
                case "Ignored":
                case "Skipped":
                    skipped++;
                    break;
                default:
                    // Failure, Error, NotRunnable (a malformed test), Cancelled, Inconclusive.
                    failed++;
                    Console.Error.WriteLine("not passed (" + result + "): " + test.GetAttribute("name"));
                    break;
            }
        }
        // A fixture whose setup failed reports its tests as failures; a fixture that could not be
        // built at all may report no test-case: count the suite itself then.
        foreach (XmlElement suite in doc.GetElementsByTagName("test-suite"))
        {
            string result = suite.GetAttribute("result");
            if ((result == "Error" || result == "NotRunnable") && suite.GetElementsByTagName("test-case").Count == 0)
            {
                failed++;
                Console.Error.WriteLine("suite not run (" + result + "): " + suite.GetAttribute("name"));
            }
        }
        string line = passed + " passed, " + failed + " failed";
        if (skipped > 0) line += ", " + skipped + " skipped";
        Console.WriteLine(line);
        if (passed == 0)
        {
            Console.Error.WriteLine("no test ran");
            return 1;
        }
        return failed == 0 ? 0 : 1;
    }
}

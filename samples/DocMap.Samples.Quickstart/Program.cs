Console.WriteLine("DocMap quickstart: under construction.");
return 0;

"""A local CloudWatch: the metrics the stack's functions and services publish, kept as
CloudWatch keeps them, and the template's alarms evaluated on them.

- emf.py: the embedded-metric-format lines the workers print, read as CloudWatch Logs
  reads them;
- store.py: datapoints per metric, per exact dimension set, per minute;
- expression.py: metric math (`100 * errors / invocations`) without eval();
- alarms.py: the template's AWS::CloudWatch::Alarm resources and their evaluation
  (pure: the time is an argument);
- clock.py: the local CloudWatch's clock, which can run faster than real time;
- service.py: the running part (the evaluator, the SQS sampler, state changes on the
  console, the /__local/cloudwatch endpoints).
"""

"""Alerts through SNS: sent, rate-limited, and free of secrets.

moto delivers SNS to an SQS subscription, so a test queue subscribed to the
topic receives what the daemon publishes.
"""
import json
import unittest

from harness import CREDS, http_get, wait_for
from test_reconcile import ReconcileTest


class AlertTest(ReconcileTest):
    def setUp(self):
        super().setUp()
        sns = self.moto.client("sns")
        self.topic = sns.create_topic(Name="stingy-vpn-alerts")["TopicArn"]
        q = self.world.sqs.create_queue(QueueName="alert-inbox")
        self.inbox = q["QueueUrl"]
        arn = self.world.sqs.get_queue_attributes(
            QueueUrl=self.inbox, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=self.topic, Protocol="sqs", Endpoint=arn)
        self.alerts = []

    def collect(self):
        r = self.world.sqs.receive_message(QueueUrl=self.inbox, MaxNumberOfMessages=10,
                                           WaitTimeSeconds=0)
        for m in r.get("Messages", []):
            self.alerts.append(json.loads(m["Body"]))
            self.world.sqs.delete_message(QueueUrl=self.inbox,
                                          ReceiptHandle=m["ReceiptHandle"])
        return self.alerts

    def subjects(self):
        return [a.get("Subject", "") for a in self.collect()]

    def test_budget_alert_is_sent_once_and_carries_no_secret(self):
        self.start(launch_budget="1", sns_topic=self.topic, alert_interval="1h")
        a = self.wait_primary()
        self.warn(a)          # the replacement would be launch number 2
        wait_for(lambda: "stingy-vpn vpn: budget" in self.subjects(), timeout=30,
                 what="the budget alert")
        code, body = http_get(self.url("/healthz"))
        self.assertEqual(code, 503)
        self.assertIn("budget", body)
        # More rounds (ticks, describes, another event) send no second one.
        self.warn(a)
        n = self.metrics().get('stingy_describe_total{result="ok"}', 0)
        wait_for(lambda: self.metrics().get('stingy_describe_total{result="ok"}', 0) >= n + 2,
                 timeout=40, what="two more describes")
        subjects = self.subjects()
        self.assertEqual(subjects.count("stingy-vpn vpn: budget"), 1, subjects)
        budget = [x for x in self.alerts if x.get("Subject") == "stingy-vpn vpn: budget"][0]
        self.assertIn("launch budget exhausted", budget["Message"])
        for alert in self.alerts:
            for secret in CREDS.values():
                self.assertNotIn(secret, json.dumps(alert))
        self.assertTrue(self.daemons[0].alive())

    def test_too_many_interruptions_alert(self):
        self.start(max_interruptions_per_day="1", sns_topic=self.topic)
        a = self.wait_primary()
        self.warn(a)
        b = self.wait_primary(exclude=(a,))
        self.assertNotIn("stingy-vpn vpn: interruptions", self.subjects())
        self.warn(b)          # the second in 24 h: over the limit of 1
        wait_for(lambda: "stingy-vpn vpn: interruptions" in self.subjects(), timeout=30,
                 what="the interruptions alert")
        self.wait_primary(exclude=(a, b))   # the alert changes nothing else


if __name__ == "__main__":
    unittest.main()

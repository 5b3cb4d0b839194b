#!/usr/bin/env python3
"""Move the items of an items table from the single-partition layout (every
item under pk "item") to buckets of 100 ids (pk "item#<id // 100>"), which
items reads since its cursor pages (docs/aws.md).

  AWS_REGION=eu-west-1 tools/items-migrate-buckets.py TABLE [--endpoint-url URL]

Credentials as boto3 reads them; the region from AWS_REGION, else as boto3
reads it. Each item is copied under its
new key, unless one is there already, and then deleted under the old one,
so the script can be run again after an interruption."""
import argparse
import os

import boto3

BUCKET = 100  # ids per partition key: BUCKET_SIZE in examples/items/store_dynamodb.c


def old_items(ddb, table):
    query = {"TableName": table, "KeyConditionExpression": "pk = :pk",
             "ExpressionAttributeValues": {":pk": {"S": "item"}}, "ConsistentRead": True}
    while True:
        page = ddb.query(**query)
        yield from page["Items"]
        if "LastEvaluatedKey" not in page:
            return
        query["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def move(ddb, table, item):
    bucket = int(item["id"]["N"]) // BUCKET
    try:
        ddb.put_item(TableName=table, Item={**item, "pk": {"S": f"item#{bucket}"}},
                     ConditionExpression="attribute_not_exists(id)")
    except ddb.exceptions.ConditionalCheckFailedException:
        pass  # copied by an earlier run, or changed since by the new version: that one stays
    ddb.delete_item(TableName=table, Key={"pk": item["pk"], "id": item["id"]})


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("table")
    parser.add_argument("--endpoint-url", help="DynamoDB's endpoint, for an emulator")
    args = parser.parse_args()
    ddb = boto3.client("dynamodb", endpoint_url=args.endpoint_url, region_name=os.environ.get("AWS_REGION"))
    moved = 0
    for item in old_items(ddb, args.table):
        move(ddb, args.table, item)
        moved += 1
    print(f"{args.table}: {moved} items moved into buckets of {BUCKET} ids")


if __name__ == "__main__":
    main()

"""Reading a template as CloudFormation and SAM would."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from portrait_local.template import Template, TemplateError, parse_parameter_overrides

TEMPLATE = textwrap.dedent("""
    Transform: AWS::Serverless-2016-10-31
    Parameters:
      Stage: {Type: String, Default: dev}
      Origins: {Type: CommaDelimitedList, Default: "a.example, b.example"}
      Size: {Type: Number, Default: 3}
    Mappings:
      Sizes: {dev: {memory: 256}, prod: {memory: 1024}}
    Conditions:
      IsProd: !Equals [!Ref Stage, prod]
      IsDev: !Not [!Condition IsProd]
      Both: !And [!Condition IsDev, !Or [!Equals [a, b], !Equals [!Ref Size, "3"]]]
    Globals:
      Function:
        Timeout: 5
        Layers: [!Ref Lib]
        Environment:
          Variables:
            TABLE: !Ref Table
            STAGE: !Ref Stage
    Resources:
      Lib:
        Type: AWS::Serverless::LayerVersion
        Properties: {LayerName: !Sub "lib-${Stage}", ContentUri: lib/}
      Table:
        Type: AWS::DynamoDB::Table
        Properties: {TableName: !Sub "${AWS::StackName}-t"}
      Queue:
        Type: AWS::SQS::Queue
      Fifo:
        Type: AWS::SQS::Queue
        Properties: {FifoQueue: true}
      Bucket:
        Type: AWS::S3::Bucket
      ProdOnly:
        Type: AWS::SQS::Queue
        Condition: IsProd
      Fn:
        Type: AWS::Serverless::Function
        Properties:
          CodeUri: src/
          Handler: pkg/app.handler
          Timeout: 9
          MemorySize: !FindInMap [Sizes, !Ref Stage, memory]
          Layers: [arn:aws:lambda:eu-west-1:111122223333:layer:lib-dev:1]
          Environment:
            Variables:
              QUEUE: !Ref Queue
              QUEUE_ARN: !GetAtt Queue.Arn
              ORIGIN: !Select [1, !Ref Origins]
              JOINED: !Join ["|", !Ref Origins]
              PARTS: !Select [2, !Split [".", "x.y.z"]]
              SUB: !Sub ["${AWS::Region}/${AWS::AccountId}/${Name}/${!Literal}/${Table.Arn}", {Name: n}]
              MODE: !If [IsProd, fast, !If [Both, both, safe]]
              DEBUG: true
              GONE: !If [IsProd, x, !Ref AWS::NoValue]
              URL: !Sub "https://${AWS::URLSuffix}/${AWS::Partition}"
              STAGE: override
""")


@pytest.fixture
def template(tmp_path: Path) -> Template:
    path = tmp_path / "template.yaml"
    path.write_text(TEMPLATE)
    return Template.load(path, stack_name="st", region="eu-west-1", account_id="111122223333")


def test_intrinsics_and_globals(template, tmp_path):
    (spec,) = template.functions().values()
    assert spec.environment == {
        "TABLE": "st-t", "STAGE": "override",
        "QUEUE": "https://sqs.eu-west-1.amazonaws.com/111122223333/st-Queue",
        "QUEUE_ARN": "arn:aws:sqs:eu-west-1:111122223333:st-Queue",
        "ORIGIN": "b.example", "JOINED": "a.example|b.example", "PARTS": "z",
        "SUB": "eu-west-1/111122223333/n/${Literal}/"
               "arn:aws:dynamodb:eu-west-1:111122223333:table/st-t",
        "MODE": "both", "DEBUG": "true", "URL": "https://amazonaws.com/aws",
    }
    assert template.function_environment("Fn") == spec.environment
    assert (spec.timeout, spec.memory_size, spec.handler) == (9, 256, "pkg/app.handler")
    assert spec.code_uri == tmp_path / "src"
    # Globals' layers come first; a layer ARN the template defines maps to its import root
    # (ContentUri/python: a layer with no python BuildMethod is prebuilt).
    assert spec.layers == [tmp_path / "lib" / "python", tmp_path / "lib" / "python"]


def test_local_names(template):
    assert template.physical_id("Bucket") == "st-bucket"  # lowercase, as buckets must be
    assert template.physical_name("Fifo") == "st-Fifo.fifo"
    assert template.physical_id("Lib") == "arn:aws:lambda:eu-west-1:111122223333:layer:lib-dev:1"
    assert "ProdOnly" not in template.resources  # its condition is false


def test_parameter_overrides_and_created_attributes(tmp_path):
    path = tmp_path / "template.yaml"
    path.write_text(TEMPLATE)
    prod = Template.load(path, parameter_overrides={"Stage": "prod", "Origins": "x,y"})
    assert "ProdOnly" in prod.resources
    env = prod.function_environment("Fn")
    assert (env["MODE"], env["GONE"], env["ORIGIN"]) == ("fast", "x", "y")
    with pytest.raises(TemplateError, match="StreamArn .* until the resource is created"):
        prod.get_att("Table", "StreamArn")
    prod.attributes[("Table", "StreamArn")] = "arn:stream"
    assert prod.resolve({"Fn::GetAtt": ["Table", "StreamArn"]}) == "arn:stream"


def test_parameter_overrides_are_read_as_sam_reads_them(tmp_path):
    assert parse_parameter_overrides(
        ["Stage=prod", "ParameterKey=Origins,ParameterValue=x,y", "Size=a=b"]) == {
        "Stage": "prod", "Origins": "x,y", "Size": "a=b"}
    assert parse_parameter_overrides(None) == {}
    with pytest.raises(TemplateError, match="Key=Value"):
        parse_parameter_overrides(["Stage"])
    path = tmp_path / "template.yaml"
    path.write_text(TEMPLATE)
    with pytest.raises(TemplateError, match="undeclared parameters: Stag"):
        Template.load(path, parameter_overrides={"Stag": "prod"})


def test_unknown_things_fail_clearly(template):
    with pytest.raises(TemplateError, match="no resource named Nope"):
        template.resolve({"Ref": "Nope"})
    with pytest.raises(TemplateError, match="Fn::ImportValue is not supported"):
        template.resolve({"Fn::ImportValue": "x"})


def test_the_project_template_loads():
    root = Path(__file__).resolve().parents[3]
    template = Template.load(root / "template.yaml")
    env = template.function_environment("ApiFunction")
    assert env["SIGNING_KEY_SECRET"] == "portrait/dev/token-signing-keys"
    assert template.functions()["ApiFunction"].layers == [root / "layers" / "common" / "python"]
    # AutoPublishAlias is read past (one configuration locally); SnapStart is emulated.
    snap_started = [lid for lid, spec in template.functions().items() if spec.snap_start]
    assert snap_started == ["ApiFunction"]


def test_snapstart_applies_to_published_versions_only(tmp_path):
    path = tmp_path / "template.yaml"
    path.write_text(textwrap.dedent("""
        Transform: AWS::Serverless-2016-10-31
        Conditions:
          Never: !Equals [a, b]
        Resources:
          Snap:
            Type: AWS::Serverless::Function
            Properties: {CodeUri: ., Handler: app.handler, AutoPublishAlias: live,
                         SnapStart: {ApplyOn: PublishedVersions}}
          Disabled:
            Type: AWS::Serverless::Function
            Properties: {CodeUri: ., Handler: app.handler, SnapStart: {ApplyOn: None}}
          Maybe:
            Type: AWS::Serverless::Function
            Properties: {CodeUri: ., Handler: app.handler,
                         SnapStart: !If [Never, {ApplyOn: PublishedVersions}, !Ref AWS::NoValue]}
          Plain:
            Type: AWS::Serverless::Function
            Properties: {CodeUri: ., Handler: app.handler}
    """))
    functions = Template.load(path).functions()
    assert {lid: spec.snap_start for lid, spec in functions.items()} == {
        "Snap": True, "Disabled": False, "Maybe": False, "Plain": False}


def test_local_parameter_defaults_leave_out_what_is_not_emulated(tmp_path):
    """Metadata.PortraitLocal.ParameterDefaults replace declared defaults locally (no CDN
    here); an explicit override still wins, and then says what cannot be resolved."""
    path = tmp_path / "template.yaml"
    path.write_text(textwrap.dedent("""
        Metadata:
          PortraitLocal:
            ParameterDefaults: {Cdn: "false"}
        Parameters:
          Cdn: {Type: String, Default: "true"}
        Conditions:
          UseCdn: !Equals [!Ref Cdn, "true"]
        Resources:
          Logs: {Type: AWS::Logs::LogGroup, Properties: {LogGroupName: /aws/lambda/x}}
          Dist: {Type: AWS::CloudFront::Distribution, Condition: UseCdn}
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: src/
              Handler: app.handler
              Environment:
                Variables:
                  BASE: !If [UseCdn, !Sub "https://${Dist.DomainName}", ""]
    """))
    local = Template.load(path, region="eu-west-1", account_id="111122223333")
    assert local.function_environment("Fn") == {"BASE": ""}
    assert "Dist" not in local.resources
    assert local.get_att("Logs", "Arn") == (
        "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/lambda/x:*")
    with_cdn = Template.load(path, parameter_overrides={"Cdn": "true"})
    assert "Dist" in with_cdn.resources
    with pytest.raises(TemplateError, match=r"Dist\.DomainName .* is not known locally"):
        with_cdn.function_environment("Fn")


def test_the_project_template_has_no_cdn_and_per_stage_metrics_locally():
    root = Path(__file__).resolve().parents[3]
    template = Template.load(root / "template.yaml")
    env = template.function_environment("ApiFunction")
    assert env["PUBLIC_BASE_URL"] == ""  # presigned GETs: there is no CloudFront locally
    assert env["POWERTOOLS_METRICS_NAMESPACE"] == "Portrait/dev"
    assert not template.resources_of_type("AWS::CloudFront::Distribution")
    prod = Template.load(root / "template.yaml", parameter_overrides={"Stage": "prod"})
    assert prod.function_environment("ResizeFunction")["POWERTOOLS_METRICS_NAMESPACE"] == (
        "Portrait/prod")

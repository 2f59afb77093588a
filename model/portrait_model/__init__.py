"""Portrait's model container: an identity-preserving pose portrait on a SageMaker
asynchronous endpoint. SDXL posed by an OpenPose ControlNet, the user's face through an
IP-Adapter FaceID embedding, the style preset's prompt recipe; every output passes the
same likeness check as the Lambda renderer's (portrait.rendering.likeness).

  weights.py   the pinned model repositories and revisions, fetched at image build
  pipeline.py  the diffusers pipeline: built from the weights, or from components
  identity.py  the face embedding the pipeline is conditioned on (insightface)
  handler.py   one invocation: a RenderJob in, a RenderOutput or RenderError out
  server.py    SageMaker's serving contract: GET /ping, POST /invocations on :8080
"""

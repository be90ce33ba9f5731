// RUN: kiln-opt %s --convert-onnx-to-linalg -split-input-file -verify-diagnostics

func.func @decode_hsv(%x: tensor<?xui8>) -> tensor<?x?x3xui8> {
  // expected-error @+2 {{cannot lower this op: pixel_format must be RGB, BGR or Grayscale, not 'HSV'}}
  // expected-error @+1 {{failed to legalize operation 'onnx.ImageDecoder'}}
  %y = onnx.ImageDecoder(%x) {pixel_format = "HSV"} : (tensor<?xui8>) -> tensor<?x?x3xui8>
  return %y : tensor<?x?x3xui8>
}

// -----

// Grayscale has one channel.
func.func @decode_gray_three(%x: tensor<?xui8>) -> tensor<?x?x3xui8> {
  // expected-error @+2 {{cannot lower this op: the image must be [H, W, 1] uint8 for pixel_format Grayscale}}
  // expected-error @+1 {{failed to legalize operation 'onnx.ImageDecoder'}}
  %y = onnx.ImageDecoder(%x) {pixel_format = "Grayscale"} : (tensor<?xui8>) -> tensor<?x?x3xui8>
  return %y : tensor<?x?x3xui8>
}

// -----

func.func @decode_floats(%x: tensor<?xf32>) -> tensor<?x?x3xui8> {
  // expected-error @+2 {{cannot lower this op: the encoded stream must be a 1-D uint8 tensor}}
  // expected-error @+1 {{failed to legalize operation 'onnx.ImageDecoder'}}
  %y = onnx.ImageDecoder(%x) : (tensor<?xf32>) -> tensor<?x?x3xui8>
  return %y : tensor<?x?x3xui8>
}
